import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { ProjectScope } from '../core/project';
import { normaliseId } from '../core/resource-id';
import { RETRYABLE_STATUSES, sourcesOf } from '../core/task-status';
import { isTaskType, TaskType } from '../core/task-type';
import { decodeCursor, encodeCursor } from '../database/task-search';
import { NewTask, TaskFilter, TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { taskEvent } from '../events/task-event';
import { FilesService } from '../files/files.service';
import { ValidationProblem } from '../core/validation-problem';
import { RequestValidationError } from '../http/domain-error';
import { MAX_PROBLEMS } from '../http/request-shape';
import { toValidationProblems } from '../http/validation-problems';
import { LimitExceededError } from '../limits/limit-errors';
import { EmailReservation, QuotaService } from '../limits/quota.service';
import { TaskQueueService } from '../queue/task-queue.service';
import { emailRecipientCount } from '../task-types/email/email.params';
import { mailPolicyOf } from '../task-types/email/mail-policy';
import { PARAMS_BY_TYPE, SubmitPolicy } from '../task-types/params';
import { BulkActionDto, BulkActionResponse, BulkFilter } from './dto/bulk-action.dto';
import { ListTasksQuery } from './dto/list-tasks.query';
import { totalOfSearch } from './search-total';
import { SubmitTaskDto } from './dto/submit-task.dto';
import { resolveStartTime } from './start-time';
import { TaskStats } from './dto/task.response';
import {
  CannotCancelError,
  CannotRetryError,
  TaskNotFoundError,
  UnknownTaskTypeError,
} from './task-errors';
import { validateTaskParams } from './validate-task-params';
import { RefusedTargetError, resolveTarget } from '../webhooks/webhook-target';

/** How far back the throughput of GET /api/tasks/stats reaches. */
const THROUGHPUT_WINDOW_MS = 60 * 60 * 1000;
/** Rows read at once by a bulk action. */
const BULK_BATCH = 500;

const queryProblem = (field: string, msg: string): RequestValidationError =>
  new RequestValidationError([{ loc: ['query', field], msg, type: 'value_error' }]);

/** The search fields a listing and a bulk action share, as the store's filter. */
const searchFilter = (fields: BulkFilter): TaskFilter => ({
  status: fields.status,
  taskType: fields.task_type,
  q: fields.q,
  createdAfter: fields.created_after === undefined ? undefined : new Date(fields.created_after),
  createdBefore: fields.created_before === undefined ? undefined : new Date(fields.created_before),
  priority: fields.priority,
});

/** Task types whose outputs (images, .eml files) count in QUOTA_STORAGE_BYTES. */
const WRITES_FILES: readonly TaskType[] = ['image_processing', 'email_sending'];

/**
 * The task lifecycle rules: submit, list, get, cancel, retry. Each takes the caller's project
 * scope and hands it to the store, which applies it to every query.
 */
@Injectable()
export class TasksService {
  private readonly policy: SubmitPolicy;

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueueService,
    private readonly bus: EventBus,
    private readonly files: FilesService,
    private readonly config: AppConfig,
    private readonly quotas: QuotaService,
  ) {
    this.policy = { mail: mailPolicyOf(config.mail) };
  }

  /**
   * Creates a task in `project`; the files it names must be uploads of that project. A
   * schedule's tick passes its id as `origin.scheduleId`.
   */
  async submit(
    request: SubmitTaskDto,
    project: string,
    origin: { scheduleId?: string } = {},
  ): Promise<Task> {
    const spec = { ...(await this.resolve(request, project)), scheduleId: origin.scheduleId };
    await this.quotas.checkActiveTasks(project);
    const problems = await this.fileProblems(spec);
    if (problems.length > 0) throw new RequestValidationError(problems);
    return this.create(spec);
  }

  /**
   * Creates every task of a bulk submit, in order, or none: each item is read as a
   * SubmitTaskDto and checked as a single submit would be, and the problems of all of them are
   * answered at once, each located under body.tasks.<index>. The quotas count the whole batch;
   * the rows go in one INSERT, all or none.
   */
  async submitMany(items: unknown[], project: string): Promise<Task[]> {
    const specs: NewTask[] = [];
    const problems: ValidationProblem[] = [];
    for (const [index, item] of items.entries()) {
      if (problems.length >= MAX_PROBLEMS) break;
      const at = ['body', 'tasks', index];
      const request = await readSubmitItem(item, at);
      if (Array.isArray(request)) {
        problems.push(...request);
        continue;
      }
      try {
        specs.push(await this.resolve(request, project));
      } catch (error) {
        problems.push(...problemsAt(error, at));
      }
    }
    if (problems.length > 0) throw new RequestValidationError(problems);
    await this.quotas.checkActiveTasks(project, specs.length);
    for (const [index, spec] of specs.entries()) {
      if (problems.length >= MAX_PROBLEMS) break;
      problems.push(...(await this.fileProblems(spec, ['body', 'tasks', index])));
    }
    if (problems.length > 0) throw new RequestValidationError(problems);
    return this.createMany(specs);
  }

  /**
   * A page and the count of all matches. One row past the page is read to know whether another
   * page follows: `nextCursor` is null on the last one. The count comes from the counters when
   * they can answer, else from the rows, stopping past COUNT_CAP; with `q` it is read off the
   * page (see totalOfSearch). `totalIsLowerBound` says when more match than `total`.
   */
  async list(
    query: ListTasksQuery,
    scope: ProjectScope,
  ): Promise<{
    tasks: Task[];
    total: number;
    totalIsLowerBound: boolean;
    nextCursor: string | null;
  }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (after === null)
      throw queryProblem('cursor', 'cursor must be the next_cursor of a previous page');
    if (after && query.offset !== undefined) {
      throw queryProblem('offset', 'offset cannot be used with cursor: page with one or the other');
    }
    const filter: TaskFilter = {
      ...searchFilter(query),
      project: query.project,
      retryOf: query.retry_of,
      scheduleId: query.schedule_id,
    };
    const offset = query.offset ?? 0;
    const [rows, counted] = await Promise.all([
      this.store.page(scope, filter, query.limit + 1, offset, after),
      filter.q === undefined ? this.store.total(scope, filter) : undefined,
    ]);
    const tasks = rows.slice(0, query.limit);
    const last = tasks.at(-1);
    const more = rows.length > query.limit;
    const nextCursor =
      more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null;
    const total = counted ?? totalOfSearch(tasks.length, more, after ? undefined : offset);
    return { tasks, total: total.count, totalIsLowerBound: total.lowerBound, nextCursor };
  }

  /**
   * POST /api/tasks/cancel and /retry: the tasks a filter or a list of ids matches within the
   * scope, at most BULK_MAX_TASKS, each cancelled or retried by the same steps as one alone, in
   * batches of BULK_BATCH rows, each step its own short statement (no lock held across them).
   * A retry that would pass QUOTA_ACTIVE_TASKS stops the action: `detail` says so.
   */
  async bulk(
    action: 'cancel' | 'retry',
    body: BulkActionDto,
    scope: ProjectScope,
  ): Promise<BulkActionResponse> {
    if ((body.filter === undefined) === (body.ids === undefined)) {
      throw new RequestValidationError([
        { loc: ['body'], msg: 'Give exactly one of filter and ids', type: 'value_error' },
      ]);
    }
    const cap = this.config.limits.bulkMaxTasks;
    const ids = body.filter
      ? await this.store.matchingIds(scope, searchFilter(body.filter), cap + 1)
      : [...new Set(body.ids)];
    if (ids.length > cap) {
      const how = body.filter
        ? 'narrow the filter with status, task_type, q, created_after or created_before'
        : 'send fewer ids';
      throw new RequestValidationError([
        {
          loc: ['body', body.filter ? 'filter' : 'ids'],
          msg: `More than ${cap} tasks match; a bulk ${action} acts on at most ${cap}: ${how}`,
          type: 'too_many_matches',
        },
      ]);
    }
    const applies = action === 'cancel' ? sourcesOf('CANCELLED') : RETRYABLE_STATUSES;
    const result: BulkActionResponse = { matched: 0, affected: 0 };
    let eligible = 0;
    for (let start = 0; start < ids.length; start += BULK_BATCH) {
      const rows = await this.store.findMany(ids.slice(start, start + BULK_BATCH), scope);
      result.matched += rows.length;
      for (const task of rows.filter((row) => applies.includes(row.status))) {
        eligible += 1;
        if (body.dry_run) continue;
        try {
          if (
            action === 'cancel'
              ? await this.cancelLoaded(task, scope)
              : await this.retryLoaded(task)
          ) {
            result.affected += 1;
          }
        } catch (error) {
          if (!(error instanceof LimitExceededError)) throw error;
          // The ones already retried stand; the rest would pass the quota as well.
          if (result.affected === 0) throw error;
          result.detail = `Stopped after ${result.affected}: ${error.message}`;
          return result;
        }
      }
    }
    return body.dry_run ? { ...result, eligible } : result;
  }

  /** Counts per status, and completed/failed per minute over the last hour. */
  async stats(scope: ProjectScope, filter: { project?: string } = {}): Promise<TaskStats> {
    const since = new Date(Date.now() - THROUGHPUT_WINDOW_MS);
    const [counts, throughput] = await Promise.all([
      this.store.countsByStatus(scope, filter),
      this.store.throughputSince(since, scope, filter),
    ]);
    return { counts, throughput };
  }

  /** The task; one of another project answers as an unknown id does. */
  async get(id: string, scope: ProjectScope): Promise<Task> {
    const storedId = normaliseId(id);
    const task = storedId === null ? null : await this.store.findById(storedId, scope);
    if (!task) throw new TaskNotFoundError();
    return task;
  }

  /**
   * PENDING or SCHEDULED: the job (waiting or delayed) is removed. RUNNING: the worker is told
   * to stop. Either way CANCELLED now.
   */
  async cancel(id: string, scope: ProjectScope): Promise<Task> {
    const task = await this.get(id, scope);
    if (!(await this.cancelLoaded(task, scope))) {
      throw new CannotCancelError((await this.get(id, scope)).status);
    }
    return task;
  }

  /** Cancels a task read a moment ago; false when it was no longer PENDING or RUNNING. */
  private async cancelLoaded(task: Task, scope: ProjectScope): Promise<boolean> {
    if (!(await this.store.markCancelled(task.id, scope))) return false;
    this.bus.requestCancel(task.id);
    if (task.status === 'PENDING' || task.status === 'SCHEDULED')
      await this.queue.remove(task.id, task.taskType);
    this.bus.publish(taskEvent('status', task, 'CANCELLED', task.progress));
    return true;
  }

  /** A new task from a FAILED or CANCELLED one, in the original's project and priority; now. */
  async retry(id: string, scope: ProjectScope): Promise<Task> {
    const original = await this.get(id, scope);
    if (!RETRYABLE_STATUSES.includes(original.status)) throw new CannotRetryError(original.status);
    return this.retryLoaded(original);
  }

  private async retryLoaded(original: Task): Promise<Task> {
    return this.retryWith(original, original.inputParams);
  }

  /**
   * A new task in the original's project, `retry_of` the original, with other `params` (the
   * failed items of the original, say), its priority and timeout; the quotas apply as to any
   * retry. It starts now.
   */
  async retryWith(original: Task, params: JsonObject): Promise<Task> {
    await this.quotas.checkActiveTasks(original.project);
    return this.create({
      taskType: original.taskType,
      inputParams: params,
      retryOf: original.id,
      project: original.project,
      priority: original.priority,
      timeoutSeconds: original.timeoutSeconds ?? this.config.timeouts.seconds[original.taskType],
      callbackUrl: original.callbackUrl,
    });
  }

  /**
   * A submit's task type and parameters, checked and with their defaults: the row to insert.
   * The one place a request becomes a NewTask, for a single submit and each item of a bulk.
   */
  private async resolve(request: SubmitTaskDto, project: string): Promise<NewTask> {
    if (!isTaskType(request.task_type)) throw new UnknownTaskTypeError();
    const start = resolveStartTime(request.run_at, request.delay_seconds, new Date());
    if (Array.isArray(start)) throw new RequestValidationError(start);
    if (request.callback_url != null) await this.checkCallbackUrl(request.callback_url);
    // Omitted and null both mean no parameters: every default applies.
    const inputParams = await validateTaskParams(
      request.task_type,
      request.input_params ?? {},
      this.policy,
    );
    return {
      taskType: request.task_type,
      inputParams,
      retryOf: null,
      project,
      priority: request.priority ?? undefined,
      runAt: start.runAt,
      scheduled: start.scheduled,
      // Filled at submit, so that the answer shows the limit in force.
      timeoutSeconds: request.timeout_seconds ?? this.config.timeouts.seconds[request.task_type],
      callbackUrl: request.callback_url ?? null,
    };
  }

  /** The same rule as a webhook's URL: http(s), and a public address unless allowed (§11). */
  private async checkCallbackUrl(url: string): Promise<void> {
    try {
      await resolveTarget(url, this.config.webhooks.allowPrivate);
    } catch (error) {
      if (!(error instanceof RefusedTargetError)) throw error;
      throw new RequestValidationError([
        {
          loc: ['body', 'callback_url'],
          msg: `callback_url ${error.message}`,
          type: 'value_error',
        },
      ]);
    }
  }

  /** The files a task names that are not uploads of its project, located under `at`. */
  private async fileProblems(
    spec: NewTask,
    at: (string | number)[] = ['body'],
  ): Promise<ValidationProblem[]> {
    const references = PARAMS_BY_TYPE[spec.taskType].files?.(spec.inputParams) ?? [];
    const problems = await this.files.claim(references, spec.project);
    return problems.map((problem) => ({
      ...problem,
      loc: [...at, 'input_params', ...problem.loc],
    }));
  }

  private async create(spec: NewTask): Promise<Task> {
    const emails = await this.reserveQuotas(spec.project, [spec]);
    let task: Task;
    try {
      task = await this.store.insert(spec);
    } catch (error) {
      await emails.release();
      throw error;
    }
    // The reliability suite kills the API here, between the insert and the enqueue.
    if (this.config.testFault === 'exit-after-insert') process.kill(process.pid, 'SIGKILL');
    // In the stream before the job is in the queue, so no event of its run can come first.
    await this.bus.publishInOrder([taskEvent('created', task, task.status, 0, task.createdAt)]);
    await this.queue.enqueue(task);
    return task;
  }

  /** create() for many: one INSERT, one XADD of their events, one addBulk per type. */
  private async createMany(specs: NewTask[]): Promise<Task[]> {
    const emails = await this.reserveQuotas(specs[0].project, specs);
    let tasks: Task[];
    try {
      tasks = await this.store.insertMany(specs);
    } catch (error) {
      await emails.release();
      throw error;
    }
    await this.bus.publishInOrder(
      tasks.map((task) => taskEvent('created', task, task.status, 0, task.createdAt)),
    );
    await this.queue.enqueueMany(tasks);
    return tasks;
  }

  /** The storage and e-mail quotas of tasks about to be created in `project`, counted together. */
  private async reserveQuotas(project: string, specs: NewTask[]): Promise<EmailReservation> {
    if (specs.some((spec) => WRITES_FILES.includes(spec.taskType))) {
      await this.quotas.checkStorageForOutputs(project);
    }
    const recipients = specs.reduce(
      (sum, spec) =>
        sum + (spec.taskType === 'email_sending' ? emailRecipientCount(spec.inputParams) : 0),
      0,
    );
    return this.quotas.reserveEmails(project, recipients);
  }
}

/**
 * One bulk item as the validation pipe reads a submit body (the same class, the same options):
 * the SubmitTaskDto, or its problems located under `at`.
 */
async function readSubmitItem(
  item: unknown,
  at: (string | number)[],
): Promise<SubmitTaskDto | ValidationProblem[]> {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return [{ loc: at, msg: 'Each task must be a JSON object', type: 'dict_type' }];
  }
  const request = plainToInstance(SubmitTaskDto, item, { exposeDefaultValues: true });
  const errors = await validate(request, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length > 0 ? toValidationProblems(errors, at) : request;
}

/** A failed item's problems, moved from the top of the body to `at` (body.tasks.<index>). */
function problemsAt(error: unknown, at: (string | number)[]): ValidationProblem[] {
  if (error instanceof RequestValidationError) {
    return error.problems.map((problem) => ({ ...problem, loc: [...at, ...problem.loc.slice(1)] }));
  }
  if (error instanceof UnknownTaskTypeError) {
    return [{ loc: [...at, 'task_type'], msg: error.message, type: 'enum' }];
  }
  throw error;
}
