import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, Repository } from 'typeorm';
import { FINISHED_STATUSES } from '../core/finished-statuses';
import { ProjectScope } from '../core/project';
import { EmailDelivery } from '../database/email-delivery.entity';
import { Task } from '../database/task.entity';
import { FilesService } from '../files/files.service';
import { MAX_RECIPIENTS } from '../task-types/email/email.params';
import { csvLine } from './csv-writer';
import { NoFailedItemsError } from './task-errors';
import {
  csvItemRows,
  emailFailedItemsRetry,
  FailedItemsRetry,
  imageFailedItemsRetry,
  imageItemRows,
  ITEM_HEADERS,
} from './task-items';
import { TasksService } from './tasks.service';

/** Delivery rows read per query while streaming an e-mail task's items. */
const DELIVERY_PAGE = 1000;
/** Ids per IN list: well within SQLite's and PostgreSQL's bound on parameters. */
const IN_CHUNK = 500;
/** The most retries (and retries of retries) of one task looked through for deliveries. */
const MAX_DESCENDANTS = 1000;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );

/** A task's per-item outcomes: the failed-items retry and the items CSV. */
@Injectable()
export class TaskItemsService {
  constructor(
    private readonly tasks: TasksService,
    private readonly files: FilesService,
    @InjectRepository(EmailDelivery) private readonly deliveries: Repository<EmailDelivery>,
    @InjectRepository(Task) private readonly taskRows: Repository<Task>,
  ) {}

  /**
   * A new task with only the recipients or images that failed, `retry_of` the original. A
   * finished task of any outcome qualifies: an e-mail task SUCCEEDS with some bounced
   * recipients, and those are what this retries. Delivered recipients are left out, and the
   * e-mail ledger of the retry inherits its originals' deliveries besides.
   */
  async retryFailedItems(id: string, scope: ProjectScope): Promise<Task> {
    const original = await this.tasks.get(id, scope);
    if (!FINISHED_STATUSES.includes(original.status)) {
      throw new NoFailedItemsError(
        `Cannot retry the failed items of a task with status: ${original.status}; wait until it finishes`,
      );
    }
    const retry = await this.failedItemsOf(original);
    if ('refusal' in retry) throw new NoFailedItemsError(retry.refusal);
    if (original.taskType === 'image_processing') {
      const ids = retry.params.file_ids as string[];
      const problems = await this.files.claim(
        ids.map((fileId, index) => ({ loc: ['file_ids', index], id: fileId, kind: 'image' })),
        original.project,
      );
      if (problems.length > 0) {
        throw new NoFailedItemsError(
          `The failed images' uploads are no longer there: ${problems.map((p) => p.msg).join('; ')}`,
        );
      }
    }
    return this.tasks.retryWith(original, retry.params);
  }

  private async failedItemsOf(task: Task): Promise<FailedItemsRetry> {
    switch (task.taskType) {
      case 'email_sending': {
        const failed = await this.deliveries.find({
          select: { recipient: true },
          where: { taskId: task.id, status: 'failed' },
          take: MAX_RECIPIENTS,
        });
        const recipients = failed.map((row) => row.recipient);
        const since = await this.deliveredByRetriesOf(task.id, recipients);
        return emailFailedItemsRetry(
          task.inputParams,
          recipients.filter((recipient) => !since.has(recipient)),
        );
      }
      case 'image_processing':
        return imageFailedItemsRetry(task.inputParams, task.resultData);
      case 'csv_processing':
        return {
          refusal:
            'A CSV task has no items to retry one by one (its malformed rows are in the file itself); retry the whole task instead',
        };
    }
  }

  /**
   * Which of `recipients` a retry of the task (or a retry of one, and so on) has delivered to
   * since: a failed-items retry made twice from the same task must not mail them again, and
   * the new task's ledger only inherits from the tasks it was retried from.
   */
  private async deliveredByRetriesOf(taskId: string, recipients: string[]): Promise<Set<string>> {
    const descendants: string[] = [];
    let frontier = [taskId];
    while (frontier.length > 0 && descendants.length < MAX_DESCENDANTS) {
      const next: string[] = [];
      for (const ids of chunks(frontier, IN_CHUNK)) {
        const rows = await this.taskRows.find({
          select: { id: true },
          where: { retryOf: In(ids) },
        });
        next.push(...rows.map((row) => row.id).filter((id) => !descendants.includes(id)));
      }
      descendants.push(...next);
      frontier = next;
    }
    const delivered = new Set<string>();
    if (descendants.length === 0 || recipients.length === 0) return delivered;
    for (const tasks of chunks(descendants, IN_CHUNK)) {
      for (const batch of chunks(recipients, IN_CHUNK)) {
        const rows = await this.deliveries.find({
          select: { recipient: true },
          where: { taskId: In(tasks), status: 'delivered', recipient: In(batch) },
        });
        for (const row of rows) delivered.add(row.recipient);
      }
    }
    return delivered;
  }

  /** The task, within `scope`, whose items are to be listed: a 404 before the stream starts. */
  get(id: string, scope: ProjectScope): Promise<Task> {
    return this.tasks.get(id, scope);
  }

  /**
   * The items CSV, line by line: e-mail recipients from the delivery ledger a page at a time
   * (up to 10,000 rows, never all in memory at once), images and malformed CSV rows from the
   * task's result.
   */
  async *itemsCsv(task: Task): AsyncGenerator<string> {
    yield csvLine(ITEM_HEADERS[task.taskType]);
    if (task.taskType === 'image_processing') {
      for (const row of imageItemRows(task.resultData)) yield csvLine(row);
      return;
    }
    if (task.taskType === 'csv_processing') {
      for (const row of csvItemRows(task.resultData)) yield csvLine(row);
      return;
    }
    let after = '';
    for (;;) {
      const page = await this.deliveries.find({
        select: { recipient: true, status: true, response: true, error: true },
        where: { taskId: task.id, recipient: MoreThan(after) },
        order: { recipient: 'ASC' },
        take: DELIVERY_PAGE,
      });
      // A failed recipient's server reply is kept as its error.
      if (page.length > 0) {
        yield page
          .map((row) => csvLine([row.recipient, row.status, row.response ?? row.error]))
          .join('');
      }
      if (page.length < DELIVERY_PAGE) return;
      after = page[page.length - 1].recipient;
    }
  }
}
