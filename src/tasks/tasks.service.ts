import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { ProjectScope } from '../core/project';
import { normaliseId } from '../core/resource-id';
import { RETRYABLE_STATUSES } from '../core/task-status';
import { isTaskType, TaskType } from '../core/task-type';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { taskEvent } from '../events/task-event';
import { FilesService } from '../files/files.service';
import { RequestValidationError } from '../http/domain-error';
import { QuotaService } from '../limits/quota.service';
import { TaskQueueService } from '../queue/task-queue.service';
import { emailRecipientCount } from '../task-types/email/email.params';
import { mailPolicyOf } from '../task-types/email/mail-policy';
import { PARAMS_BY_TYPE, SubmitPolicy } from '../task-types/params';
import { ListTasksQuery } from './dto/list-tasks.query';
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

  /** Creates a task in `project`; the files it names must be uploads of that project. */
  async submit(
    taskType: string,
    rawParams: Record<string, unknown>,
    project: string,
    options: { callbackUrl?: string } = {},
  ): Promise<Task> {
    if (!isTaskType(taskType)) throw new UnknownTaskTypeError();
    const params = await validateTaskParams(taskType, rawParams, this.policy);
    if (options.callbackUrl !== undefined) await this.checkCallbackUrl(options.callbackUrl);
    await this.quotas.checkActiveTasks(project);
    const references = PARAMS_BY_TYPE[taskType].files?.(params) ?? [];
    const problems = await this.files.claim(references, project);
    if (problems.length > 0) {
      throw new RequestValidationError(
        problems.map((problem) => ({ ...problem, loc: ['body', 'input_params', ...problem.loc] })),
      );
    }
    return this.create(taskType, params, null, project, options.callbackUrl ?? null);
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

  async list(
    query: ListTasksQuery,
    scope: ProjectScope,
  ): Promise<{ tasks: Task[]; total: number }> {
    const filter = {
      status: query.status,
      taskType: query.task_type,
      project: query.project,
      retryOf: query.retry_of,
    };
    const [tasks, total] = await Promise.all([
      this.store.page(scope, filter, query.limit, query.offset),
      this.store.count(scope, filter),
    ]);
    return { tasks, total };
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

  /** PENDING: the job is removed. RUNNING: the worker is told to stop. Either way CANCELLED now. */
  async cancel(id: string, scope: ProjectScope): Promise<Task> {
    const task = await this.get(id, scope);
    if (!(await this.store.markCancelled(task.id, scope))) {
      throw new CannotCancelError((await this.get(id, scope)).status);
    }
    this.bus.requestCancel(task.id);
    if (task.status === 'PENDING') await this.queue.remove(task.id, task.taskType);
    this.bus.publish(taskEvent('status', task, 'CANCELLED', task.progress));
    return task;
  }

  /** A new task from a FAILED or CANCELLED one, in the original's project. */
  async retry(id: string, scope: ProjectScope): Promise<Task> {
    const original = await this.get(id, scope);
    if (!RETRYABLE_STATUSES.includes(original.status)) throw new CannotRetryError(original.status);
    await this.quotas.checkActiveTasks(original.project);
    return this.create(
      original.taskType,
      original.inputParams,
      original.id,
      original.project,
      original.callbackUrl,
    );
  }

  private async create(
    taskType: TaskType,
    params: JsonObject,
    retryOf: string | null,
    project: string,
    callbackUrl: string | null = null,
  ): Promise<Task> {
    if (WRITES_FILES.includes(taskType)) await this.quotas.checkStorageForOutputs(project);
    const emails = await this.quotas.reserveEmails(
      project,
      taskType === 'email_sending' ? emailRecipientCount(params) : 0,
    );
    let task: Task;
    try {
      task = await this.store.insert(taskType, params, retryOf, project, callbackUrl);
    } catch (error) {
      await emails.release();
      throw error;
    }
    // The reliability suite kills the API here, between the insert and the enqueue.
    if (this.config.testFault === 'exit-after-insert') process.kill(process.pid, 'SIGKILL');
    this.bus.publish(taskEvent('created', task, 'PENDING', 0, task.createdAt));
    await this.queue.enqueue(task);
    return task;
  }
}
