import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { FindOptionsWhere, In, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  CANCELLABLE_STATUSES,
  RETRYABLE_STATUSES,
  TASK_STATUSES,
  TaskStatus,
} from '../database/task-status';
import { withSqlRetry } from '../database/sql-retry';
import { isTaskType, TaskType } from '../database/task-type';
import { JsonObject, Task } from '../database/task.entity';
import { DEFAULT_PROJECT } from '../auth/role';
import { AppConfig } from '../config/app-config';
import { EventBus } from '../events/event-bus.service';
import { FilesService } from '../files/files.service';
import { TaskQueueService } from '../queue/task-queue.service';
import { ListTasksQuery } from './dto/list-tasks.query';
import { PARAMS_BY_TYPE } from './dto/params';
import { TaskStats } from './dto/task.response';
import {
  CannotCancelError,
  CannotRetryError,
  RequestValidationError,
  TaskNotFoundError,
  UnknownTaskTypeError,
} from './task-errors';
import { validateTaskParams } from './validate-task-params';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The task lifecycle rules: submit, list, get, cancel, retry. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    private readonly queue: TaskQueueService,
    private readonly bus: EventBus,
    private readonly files: FilesService,
    private readonly config: AppConfig,
  ) {}

  /** Creates a task in `project`; the files it names must be uploads of that project. */
  async submit(
    taskType: string,
    rawParams: Record<string, unknown> = {},
    project: string = DEFAULT_PROJECT,
  ): Promise<Task> {
    if (!isTaskType(taskType)) throw new UnknownTaskTypeError();
    const params = await validateTaskParams(taskType, rawParams);
    const references = PARAMS_BY_TYPE[taskType].files?.(params) ?? [];
    const problems = await this.files.claim(references, project);
    if (problems.length > 0) {
      throw new RequestValidationError(
        problems.map((problem) => ({ ...problem, loc: ['body', 'input_params', ...problem.loc] })),
      );
    }
    return this.create(taskType, params, null, project);
  }

  async list(query: ListTasksQuery): Promise<{ tasks: Task[]; total: number }> {
    const where: FindOptionsWhere<Task> = {};
    if (query.status) where.status = query.status;
    if (query.task_type) where.taskType = query.task_type;
    const [tasks, total] = await Promise.all([this.page(where, query), this.count(query)]);
    return { tasks, total };
  }

  /**
   * The page's ids from the index alone (every filter has an index ending in created_at, id),
   * then their rows: an OFFSET then skips index entries instead of reading whole rows.
   */
  private async page(where: FindOptionsWhere<Task>, query: ListTasksQuery): Promise<Task[]> {
    const ids = await this.tasks.find({
      select: { id: true },
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
    if (ids.length === 0) return [];
    const rows = new Map(
      (await this.tasks.findBy({ id: In(ids.map((task) => task.id)) })).map((task) => [
        task.id,
        task,
      ]),
    );
    // A row deleted between the two reads is left out.
    return ids.flatMap(({ id }) => rows.get(id) ?? []);
  }

  /** Exact, from the counters the database keeps per status and type (migration CountTasks). */
  private async count(query: ListTasksQuery): Promise<number> {
    const counts = this.tasks.manager
      .createQueryBuilder()
      .select('COALESCE(SUM(counts.count), 0)', 'total')
      .from('task_counts', 'counts');
    if (query.status) counts.andWhere('counts.status = :status', { status: query.status });
    if (query.task_type) counts.andWhere('counts.task_type = :type', { type: query.task_type });
    const row = await counts.getRawOne<{ total: string | number }>();
    return Number(row?.total ?? 0);
  }

  /** Counts per status, and completed/failed per minute over the last hour, aggregated in SQL. */
  async stats(): Promise<TaskStats> {
    const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<
      TaskStatus,
      number
    >;
    const rows: { status: TaskStatus; count: string | number }[] = await this.tasks
      .createQueryBuilder('task')
      .select('task.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('task.status')
      .getRawMany();
    for (const row of rows) counts[row.status] = Number(row.count);

    const since = new Date(Date.now() - 60 * 60 * 1000);
    const minute =
      this.tasks.manager.connection.options.type === 'postgres'
        ? `to_char(date_trunc('minute', task.completed_at), 'YYYY-MM-DD"T"HH24:MI')`
        : `strftime('%Y-%m-%dT%H:%M', task.completed_at)`;
    const perMinute: { minute: string; status: TaskStatus; count: string | number }[] =
      await this.tasks
        .createQueryBuilder('task')
        .select(minute, 'minute')
        .addSelect('task.status', 'status')
        .addSelect('COUNT(*)', 'count')
        .where('task.completed_at >= :since', { since })
        .andWhere('task.status IN (:...finished)', { finished: ['SUCCESS', 'FAILED'] })
        .groupBy(minute)
        .addGroupBy('task.status')
        .orderBy(minute)
        .getRawMany();
    const byMinute = new Map<string, { minute: string; completed: number; failed: number }>();
    for (const row of perMinute) {
      const key = `${row.minute}:00.000Z`;
      const bucket = byMinute.get(key) ?? { minute: key, completed: 0, failed: 0 };
      if (row.status === 'SUCCESS') bucket.completed += Number(row.count);
      else bucket.failed += Number(row.count);
      byMinute.set(key, bucket);
    }
    return { counts, throughput: [...byMinute.values()] };
  }

  async get(id: string): Promise<Task> {
    const task = UUID.test(id) ? await this.tasks.findOneBy({ id: id.toLowerCase() }) : null;
    if (!task) throw new TaskNotFoundError();
    return task;
  }

  /** PENDING: the job is removed. RUNNING: the worker is told to stop. Either way CANCELLED now. */
  async cancel(id: string): Promise<void> {
    const task = await this.get(id);
    const cancelled = await withSqlRetry(
      async (attempt) => {
        const result = await this.tasks.update(
          { id: task.id, status: In([...CANCELLABLE_STATUSES]) },
          { status: 'CANCELLED', completedAt: new Date() },
        );
        if (result.affected) return true;
        // A dropped connection may have lost the answer of a try that did commit.
        return attempt > 1 && (await this.get(id)).status === 'CANCELLED';
      },
      {
        what: 'cancel task',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { task_id: task.id },
      },
    );
    if (!cancelled) {
      throw new CannotCancelError((await this.get(id)).status);
    }
    this.bus.requestCancel(task.id);
    if (task.status === 'PENDING') await this.queue.remove(task.id, task.taskType);
    this.bus.publish({
      type: 'status',
      task_id: task.id,
      task_type: task.taskType,
      status: 'CANCELLED',
      progress: task.progress,
      at: new Date().toISOString(),
    });
  }

  async retry(id: string): Promise<Task> {
    const original = await this.get(id);
    if (!RETRYABLE_STATUSES.includes(original.status)) throw new CannotRetryError(original.status);
    return this.create(original.taskType, original.inputParams, original.id, original.project);
  }

  private async create(
    taskType: TaskType,
    params: JsonObject,
    retryOf: string | null,
    project: string,
  ): Promise<Task> {
    const task = this.tasks.create({
      id: randomUUID(),
      taskType,
      status: 'PENDING',
      createdAt: new Date(),
      startedAt: null,
      completedAt: null,
      progress: 0,
      inputParams: params,
      resultData: null,
      errorMessage: null,
      attempts: 0,
      retryOf,
      project,
    });
    await withSqlRetry(
      async (attempt) => {
        // A try whose answer was lost with its connection may have committed: never insert twice.
        if (attempt > 1 && (await this.tasks.existsBy({ id: task.id }))) return;
        // Every column is set here: no need for TypeORM to read the row back after the insert.
        await this.tasks
          .createQueryBuilder()
          .insert()
          // TypeORM's deep-partial type cannot express free-form JSON columns.
          .values(task as QueryDeepPartialEntity<Task>)
          .updateEntity(false)
          .execute();
      },
      {
        what: 'insert submitted task',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { task_id: task.id },
      },
    );
    // The reliability suite kills the API here, between the insert and the enqueue.
    if (this.config.testFault === 'exit-after-insert') process.kill(process.pid, 'SIGKILL');
    this.bus.publish({
      type: 'created',
      task_id: task.id,
      task_type: taskType,
      status: 'PENDING',
      progress: 0,
      at: task.createdAt.toISOString(),
    });
    await this.queue.enqueue(task);
    return task;
  }
}
