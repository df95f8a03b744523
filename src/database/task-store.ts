import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { FindOptionsWhere, In, IsNull, LessThan, Or, Repository, UpdateResult } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { ProjectScope, projectToMatch } from '../core/project';
import { sourcesOf, TASK_STATUSES, TaskStatus } from '../core/task-status';
import { TaskType } from '../core/task-type';
import { withSqlRetry } from './sql-retry';
import { inSpan } from '../telemetry/spans';
import { Task } from './task.entity';

/** A heartbeat older than `lapsedBefore`, or none at all (a row from before heartbeats). */
const lapsedSince = (lapsedBefore: Date) => Or(IsNull(), LessThan(lapsedBefore));

export interface TaskFilter {
  status?: TaskStatus;
  taskType?: TaskType;
  /** Only the tasks made from this one by the retry endpoint. */
  retryOf?: string;
  /** Narrows an admin of every project to one; within the scope, never past it. */
  project?: string;
}

/** Told of every task that reached SUCCESS, FAILED or CANCELLED, once, by the process that wrote it. */
export type TaskFinishedListener = (taskId: string, status: FinalStatus) => void;
type FinalStatus = 'SUCCESS' | 'FAILED' | 'CANCELLED';
const FINAL: readonly TaskStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

export interface TaskThroughput {
  /** The minute's start, ISO-8601 UTC. */
  minute: string;
  completed: number;
  failed: number;
}

/**
 * Every query and every status transition on the task table. The reads and writes a client
 * asks for take a ProjectScope and never reach past it: another project's task is not found,
 * not counted, not changed (§7). Each transition is a conditional
 * UPDATE whose WHERE clause holds the allowed source statuses, so a CANCELLED row is never
 * overwritten whatever the race; each write is retried through a busy database or a dropped
 * connection, so none is lost to them.
 */
@Injectable()
export class TaskStore {
  private readonly logger = new Logger(TaskStore.name);
  private readonly finishedListeners: TaskFinishedListener[] = [];

  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    private readonly config: AppConfig,
  ) {}

  /** Registers a listener of final transitions (webhooks); every one written here reaches it. */
  onFinished(listener: TaskFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  /** The task, if it exists within `scope`. */
  async findById(id: string, scope: ProjectScope): Promise<Task | null> {
    return this.tasks.findOneBy({ id, ...(scope.project ? { project: scope.project } : {}) });
  }

  /** A new PENDING task, inserted once even when a retry follows a lost answer. */
  async insert(
    taskType: TaskType,
    inputParams: JsonObject,
    retryOf: string | null,
    project: string,
    callbackUrl: string | null = null,
  ): Promise<Task> {
    const task = this.tasks.create({
      id: randomUUID(),
      taskType,
      status: 'PENDING',
      createdAt: new Date(),
      startedAt: null,
      completedAt: null,
      progress: 0,
      inputParams,
      resultData: null,
      errorMessage: null,
      attempts: 0,
      retryOf,
      project,
      callbackUrl,
    });
    await inSpan('sql: insert submitted task', this.spanAttributes(task.id), () =>
      withSqlRetry(
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
      ),
    );
    return task;
  }

  /**
   * A page, newest first. The page's ids come from the index alone (every filter has an index
   * beginning with the project and ending in created_at, id), then their rows: an OFFSET then
   * skips index entries instead of reading whole rows.
   */
  async page(
    scope: ProjectScope,
    filter: TaskFilter,
    limit: number,
    offset: number,
  ): Promise<Task[]> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return [];
    const where: FindOptionsWhere<Task> = {};
    if (project !== undefined) where.project = project;
    if (filter.status) where.status = filter.status;
    if (filter.taskType) where.taskType = filter.taskType;
    if (filter.retryOf) where.retryOf = filter.retryOf;
    const ids = await this.tasks.find({
      select: { id: true },
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
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

  /**
   * Exact, from the counters the database keeps per project, status and type; a task's retries
   * are few, and counted from their index.
   */
  async count(scope: ProjectScope, filter: TaskFilter): Promise<number> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return 0;
    if (filter.retryOf) {
      return this.tasks.countBy({
        retryOf: filter.retryOf,
        ...(project !== undefined && { project }),
        ...(filter.status && { status: filter.status }),
        ...(filter.taskType && { taskType: filter.taskType }),
      });
    }
    const counts = this.tasks.manager
      .createQueryBuilder()
      .select('COALESCE(SUM(counts.count), 0)', 'total')
      .from('task_counts', 'counts');
    if (project !== undefined) counts.andWhere('counts.project = :project', { project });
    if (filter.status) counts.andWhere('counts.status = :status', { status: filter.status });
    if (filter.taskType) counts.andWhere('counts.task_type = :type', { type: filter.taskType });
    const row = await counts.getRawOne<{ total: string | number }>();
    return Number(row?.total ?? 0);
  }

  /** Tasks per status, from the same counters: a few rows read, however many tasks. */
  async countsByStatus(
    scope: ProjectScope,
    filter: Pick<TaskFilter, 'project'> = {},
  ): Promise<Record<TaskStatus, number>> {
    const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<
      TaskStatus,
      number
    >;
    const project = projectToMatch(scope, filter.project);
    if (project === null) return counts;
    const query = this.tasks.manager
      .createQueryBuilder()
      .select('counts.status', 'status')
      .addSelect('COALESCE(SUM(counts.count), 0)', 'count')
      .from('task_counts', 'counts')
      .groupBy('counts.status');
    if (project !== undefined) query.where('counts.project = :project', { project });
    const rows: { status: TaskStatus; count: string | number }[] = await query.getRawMany();
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /** Completed and failed tasks per minute since `since`, aggregated in SQL; empty minutes left out. */
  async throughputSince(
    since: Date,
    scope: ProjectScope,
    filter: Pick<TaskFilter, 'project'> = {},
  ): Promise<TaskThroughput[]> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return [];
    const minute =
      this.tasks.manager.connection.options.type === 'postgres'
        ? `to_char(date_trunc('minute', task.completed_at), 'YYYY-MM-DD"T"HH24:MI')`
        : `strftime('%Y-%m-%dT%H:%M', task.completed_at)`;
    const query = this.tasks
      .createQueryBuilder('task')
      .select(minute, 'minute')
      .addSelect('task.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .where('task.completed_at >= :since', { since })
      .andWhere('task.status IN (:...finished)', { finished: ['SUCCESS', 'FAILED'] });
    if (project !== undefined) query.andWhere('task.project = :project', { project });
    const perMinute: { minute: string; status: TaskStatus; count: string | number }[] = await query
      .groupBy(minute)
      .addGroupBy('task.status')
      .orderBy(minute)
      .getRawMany();
    const byMinute = new Map<string, TaskThroughput>();
    for (const row of perMinute) {
      const key = `${row.minute}:00.000Z`;
      const bucket = byMinute.get(key) ?? { minute: key, completed: 0, failed: 0 };
      if (row.status === 'SUCCESS') bucket.completed += Number(row.count);
      else bucket.failed += Number(row.count);
      byMinute.set(key, bucket);
    }
    return [...byMinute.values()];
  }

  /** The tasks this one was retried from, nearest first (retry_of, then its retry_of…). */
  async originalsOf(taskId: string): Promise<string[]> {
    const originals: string[] = [];
    let current = await this.tasks.findOne({
      select: { id: true, retryOf: true },
      where: { id: taskId },
    });
    while (current?.retryOf && originals.length < 100 && !originals.includes(current.retryOf)) {
      originals.push(current.retryOf);
      current = await this.tasks.findOne({
        select: { id: true, retryOf: true },
        where: { id: current.retryOf },
      });
    }
    return originals;
  }

  /** The oldest PENDING tasks created before `createdBefore`. */
  async pendingSince(createdBefore: Date, limit: number): Promise<Task[]> {
    return this.tasks.find({
      where: { status: 'PENDING', createdAt: LessThan(createdBefore) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * The longest-running RUNNING tasks whose worker has not beaten since `lapsedBefore`. A row
   * without a beat was started before heartbeats existed: judged by its start.
   */
  async runningWithLapsedHeartbeat(lapsedBefore: Date, limit: number): Promise<Task[]> {
    return this.tasks.find({
      where: [
        { status: 'RUNNING', heartbeatAt: LessThan(lapsedBefore) },
        { status: 'RUNNING', heartbeatAt: IsNull(), startedAt: LessThan(lapsedBefore) },
      ],
      order: { startedAt: 'ASC' },
      take: limit,
    });
  }

  /** PENDING or RUNNING → CANCELLED within `scope`; false when the task was in neither. */
  async markCancelled(taskId: string, scope: ProjectScope): Promise<boolean> {
    return this.write(
      'cancel task',
      taskId,
      () =>
        this.tasks.update(
          {
            id: taskId,
            status: In(sourcesOf('CANCELLED')),
            ...(scope.project ? { project: scope.project } : {}),
          },
          { status: 'CANCELLED', completedAt: new Date() },
        ),
      'CANCELLED',
    );
  }

  /** PENDING (or re-delivered RUNNING) → RUNNING; false when the task is no longer runnable. */
  async markRunning(taskId: string): Promise<boolean> {
    return this.write('mark task RUNNING', taskId, () =>
      this.tasks
        .createQueryBuilder()
        .update(Task)
        .set({
          status: 'RUNNING',
          startedAt: () => 'COALESCE(started_at, :now)',
          heartbeatAt: () => ':now',
          attempts: () => 'attempts + 1',
        })
        .setParameter('now', new Date())
        .where({ id: taskId, status: In(['PENDING', 'RUNNING'] satisfies TaskStatus[]) })
        .execute(),
    );
  }

  /** Writes progress; false when the row is no longer RUNNING (cancelled meanwhile). */
  async saveProgress(taskId: string, progress: number): Promise<boolean> {
    return this.write('save progress', taskId, () =>
      this.tasks.update({ id: taskId, status: 'RUNNING' }, { progress }),
    );
  }

  /**
   * Shows that the worker running the task is alive (TaskRecovery reads it). Not retried: a
   * beat lost to a busy database is followed by the next one, well before the beat lapses.
   */
  async beat(taskId: string): Promise<void> {
    await this.tasks.update({ id: taskId, status: 'RUNNING' }, { heartbeatAt: new Date() });
  }

  /** RUNNING → PENDING when a stopping worker gives its job back to the queue. */
  async markHandedBack(taskId: string): Promise<boolean> {
    return this.write(
      'mark task handed back',
      taskId,
      () => this.tasks.update({ id: taskId, status: 'RUNNING' }, { status: 'PENDING' }),
      'PENDING',
    );
  }

  /** RUNNING → PENDING while a transient failure waits out its backoff; the message says why. */
  async markRetrying(taskId: string, errorMessage: string): Promise<boolean> {
    return this.write(
      'mark task retrying',
      taskId,
      () =>
        this.tasks.update({ id: taskId, status: 'RUNNING' }, { status: 'PENDING', errorMessage }),
      'PENDING',
    );
  }

  /**
   * RUNNING → PENDING when recovery re-enqueues a task whose job was lost, only while its
   * heartbeat is still older than `lapsedBefore`: a worker that was merely slow may have beaten.
   */
  async markRequeued(taskId: string, lapsedBefore: Date): Promise<boolean> {
    return this.write(
      'mark lost task re-enqueued',
      taskId,
      () =>
        this.tasks.update(
          { id: taskId, status: 'RUNNING', heartbeatAt: lapsedSince(lapsedBefore) },
          { status: 'PENDING' },
        ),
      'PENDING',
    );
  }

  /** RUNNING → FAILED when recovery gives a lost task up, on the same heartbeat condition. */
  async markGivenUp(taskId: string, errorMessage: string, lapsedBefore: Date): Promise<boolean> {
    return this.write(
      'mark lost task FAILED',
      taskId,
      () =>
        this.tasks.update(
          { id: taskId, status: 'RUNNING', heartbeatAt: lapsedSince(lapsedBefore) },
          { status: 'FAILED', completedAt: new Date(), errorMessage },
        ),
      'FAILED',
    );
  }

  async markSucceeded(
    taskId: string,
    resultData: JsonObject,
    outputBytes: number | null = null,
  ): Promise<boolean> {
    return this.finish(taskId, 'SUCCESS', {
      progress: 100,
      resultData,
      errorMessage: null,
      outputBytes,
    });
  }

  /** Leaves progress where the work had brought it: a failure midway shows how far it got. */
  async markFailed(
    taskId: string,
    errorMessage: string,
    resultData?: JsonObject,
    outputBytes: number | null = null,
  ): Promise<boolean> {
    return this.finish(taskId, 'FAILED', {
      errorMessage,
      resultData: resultData ?? null,
      outputBytes,
    });
  }

  /** For a task cancelled while it ran: what it had written still takes room. */
  async saveOutputBytes(taskId: string, outputBytes: number): Promise<void> {
    await this.write('save task output bytes', taskId, () =>
      this.tasks.update({ id: taskId }, { outputBytes }),
    );
  }

  private async finish(
    taskId: string,
    status: 'SUCCESS' | 'FAILED',
    fields: Partial<Pick<Task, 'progress' | 'resultData' | 'errorMessage' | 'outputBytes'>>,
  ): Promise<boolean> {
    return this.write(
      `mark task ${status}`,
      taskId,
      () =>
        this.tasks.update(
          { id: taskId, status: In(sourcesOf(status)) },
          // TypeORM's deep-partial type cannot express free-form JSON columns.
          { ...fields, status, completedAt: new Date() } as QueryDeepPartialEntity<Task>,
        ),
      status,
    );
  }

  private spanAttributes(taskId: string): Record<string, string> {
    return {
      'db.system': this.config.database.kind === 'postgres' ? 'postgresql' : 'sqlite',
      'conveyor.task_id': taskId,
    };
  }

  /**
   * Runs one conditional UPDATE with retries; true when it changed the row. A connection can
   * drop after the server committed but before the answer arrived: when a retry then matches
   * no row and the row already holds `landed`, the earlier try is what wrote it.
   */
  private async write(
    what: string,
    taskId: string,
    update: () => Promise<UpdateResult>,
    landed?: TaskStatus,
  ): Promise<boolean> {
    const changed = await inSpan(`sql: ${what}`, this.spanAttributes(taskId), () =>
      withSqlRetry(
        async (attempt) => {
          if ((await update()).affected) return true;
          if (attempt === 1 || !landed) return false;
          const row = await this.tasks.findOne({
            select: { status: true },
            where: { id: taskId },
          });
          return row?.status === landed;
        },
        { what, policy: this.config.sqlRetry, logger: this.logger, context: { task_id: taskId } },
      ),
    );
    if (changed && landed && FINAL.includes(landed)) {
      for (const listener of this.finishedListeners) listener(taskId, landed as FinalStatus);
    }
    return changed;
  }
}
