import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import {
  In,
  IsNull,
  LessThan,
  LessThanOrEqual,
  MoreThanOrEqual,
  Or,
  Repository,
  UpdateResult,
} from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { AppConfig } from '../config/app-config';
import { servesHttp } from '../config/app-role';
import { JsonObject } from '../core/json';
import { DEFAULT_PRIORITY } from '../core/priority';
import { ProjectScope, projectToMatch } from '../core/project';
import { sourcesOf, TASK_STATUSES, TaskStatus } from '../core/task-status';
import { TaskType } from '../core/task-type';
import { keepPrepared } from './prepared-statements';
import { RowInsert } from './row-insert';
import { WriteGroups } from '../core/write-groups';
import { escapedColumn, escapedTable } from './sql-names';
import { isTransientSqlError, withSqlRetry } from './sql-retry';
import {
  applyTaskFilter,
  COUNT_CAP,
  FTS_COMMON_MATCHES,
  ftsCanSearch,
  ftsPhrase,
  needsRowCount,
  SqlDialect,
  TaskCursor,
  TextSearch,
} from './task-search';
import { inSpan } from '../telemetry/spans';
import { Task } from './task.entity';
import { narrowedPart } from './trigram-narrowing';
import { TrigramSample } from './trigram-sample';

/** A heartbeat older than `lapsedBefore`, or none at all (a row from before heartbeats). */
const lapsedSince = (lapsedBefore: Date) => Or(IsNull(), LessThan(lapsedBefore));

export interface TaskFilter {
  status?: TaskStatus;
  taskType?: TaskType;
  /** Only the tasks made from this one by the retry endpoint. */
  retryOf?: string;
  /** Narrows an admin of every project to one; within the scope, never past it. */
  project?: string;
  /** Only the tasks of this priority (§9). */
  priority?: number;
  /** Only the tasks one schedule made (§9). */
  scheduleId?: string;
  /** An id or id prefix, or text found in error_message or input_params (any letter case). */
  q?: string;
  /** created_at >= createdAfter */
  createdAfter?: Date;
  /** created_at < createdBefore */
  createdBefore?: Date;
}

/** The filters the counters kept per project, status and type answer (see needsRowCount). */
export type CounterFilter = Pick<TaskFilter, 'project' | 'status' | 'taskType'>;

/** A listing's total: exact, or (lowerBound) the count stopped there and more match. */
export interface TaskTotal {
  count: number;
  lowerBound: boolean;
}

/** How a new task is to start (§9): its priority, and when it is SCHEDULED, until when. */
export interface TaskStart {
  priority?: number;
  /** When the task was asked to start; null or left out for now. */
  runAt?: Date | null;
  /** SCHEDULED until runAt rather than PENDING. */
  scheduled?: boolean;
}

/** Told of every task that reached SUCCESS, FAILED or CANCELLED, once, by the process that wrote it. */
export type TaskFinishedListener = (taskId: string, status: FinalStatus) => void;
type FinalStatus = 'SUCCESS' | 'FAILED' | 'CANCELLED';
const FINAL: readonly TaskStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];

/** What names a task's job: enough to look it up in Redis. */
export type TaskRef = Pick<Task, 'id' | 'taskType'>;

export interface TaskThroughput {
  /** The minute's start, ISO-8601 UTC. */
  minute: string;
  completed: number;
  failed: number;
}

/** What a submit, a retry or a bulk submit asks for: the one input of newTaskRow. */
export interface NewTask extends TaskStart {
  taskType: TaskType;
  inputParams: JsonObject;
  retryOf: string | null;
  project: string;
  /** The run's limit; null only for rows from before timeouts (the type's default applies). */
  timeoutSeconds?: number | null;
  /** The schedule whose tick made it (§9). */
  scheduleId?: string | null;
  /** Where the task's final status is POSTed (§11). */
  callbackUrl?: string | null;
}

/** A parameter of a hand-built statement: the value and the column whose conversion it takes. */
type ColumnValue = [property: keyof Task, value: unknown];

/** Single submits per shared INSERT (see insert). */
const INSERT_CHUNK = 200;

/**
 * How long a text FTS5 found common is searched for by scanning without asking FTS5 again, and
 * how many such texts a process keeps. At 1,000,000 rows asking was half of a common-text
 * page's API CPU (bench/README.md); a search box asks for the same text page after page and on
 * every refresh. Matches only grow until retention deletes rows, and a scan finds the same rows as
 * the index, so a verdict out of date costs time, never a wrong page.
 */
export const COMMON_TEXT_MS = 60_000;
const MAX_COMMON_TEXTS = 1_000;

/**
 * A copy of `tasks` ordered by the key of their task_counts rows. PostgreSQL's counts trigger
 * locks one count row per key for the transaction (migration CountSlotPerTransaction), in key
 * order within each statement (CountTasksPerStatement); rows in this order give a later
 * statement of a long insert only keys after the earlier ones', so writers all take those locks
 * in one order and cannot deadlock on them.
 */
function inCountLockOrder(tasks: Task[]): Task[] {
  const countKey = (task: Task): string => `${task.project}\0${task.status}\0${task.taskType}`;
  return tasks
    .map((task) => ({ task, key: countKey(task) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ task }) => task);
}

/**
 * The row of a new PENDING (or SCHEDULED) task: the one place a task's columns are filled at
 * creation, for a single submit and a bulk one alike, so that a new column is set once for both.
 */
export function newTaskRow(spec: NewTask, createdAt: Date = new Date()): Partial<Task> {
  return {
    id: randomUUID(),
    taskType: spec.taskType,
    status: spec.scheduled ? 'SCHEDULED' : 'PENDING',
    createdAt,
    startedAt: null,
    completedAt: null,
    progress: 0,
    inputParams: spec.inputParams,
    resultData: null,
    errorMessage: null,
    attempts: 0,
    retryOf: spec.retryOf,
    project: spec.project,
    priority: spec.priority ?? DEFAULT_PRIORITY,
    runAt: spec.runAt ?? null,
    timeoutSeconds: spec.timeoutSeconds ?? null,
    scheduleId: spec.scheduleId ?? null,
    callbackUrl: spec.callbackUrl ?? null,
  };
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
export class TaskStore implements OnApplicationBootstrap {
  private readonly logger = new Logger(TaskStore.name);
  private readonly finishedListeners: TaskFinishedListener[] = [];
  private readonly rowInsert: RowInsert<Task>;
  /** Single submits, grouped into shared INSERTs (see insert). */
  private readonly submitted: WriteGroups<Task>;
  /** The worker's per-task status UPDATEs, their text built once per process (see statusUpdate). */
  private readonly statusUpdates = new Map<string, string>();
  /** How common each trigram of the searched columns is, on PostgreSQL (see textSearchFor). */
  private readonly trigramSample: TrigramSample;
  /** On SQLite, texts FTS5 found common, until when that stands (see COMMON_TEXT_MS). */
  private readonly commonTexts = new Map<string, number>();

  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    private readonly config: AppConfig,
  ) {
    this.rowInsert = new RowInsert(tasks);
    this.trigramSample = new TrigramSample(tasks);
    this.submitted = new WriteGroups((group) => this.insertSubmitted(group), {
      maxItems: INSERT_CHUNK,
      sharedFailure: isTransientSqlError,
    });
  }

  /**
   * An API process on PostgreSQL takes its first trigram sample now rather than at the first
   * search, which would wait for it (100–150 ms on a table of a million rows). Not awaited:
   * start-up does not wait either, and a search meanwhile shares the sample being read.
   */
  onApplicationBootstrap(): void {
    if (this.config.database.kind === 'postgres' && servesHttp(this.config.role))
      void this.trigramSample.shares();
  }

  /** Registers a listener of final transitions (webhooks); every one written here reaches it. */
  onFinished(listener: TaskFinishedListener): void {
    this.finishedListeners.push(listener);
  }

  /** The task, if it exists within `scope`. */
  async findById(id: string, scope: ProjectScope): Promise<Task | null> {
    return this.tasks.findOneBy({ id, ...(scope.project ? { project: scope.project } : {}) });
  }

  /**
   * A new PENDING (or SCHEDULED) task. Submits that reach this in the same turn of the event
   * loop share one INSERT (see WriteGroups): under load that halves the cost of each, since
   * every commit writes the pages of all the table's indexes.
   */
  async insert(spec: NewTask): Promise<Task> {
    const task = this.tasks.create(newTaskRow(spec));
    await inSpan('sql: insert submitted task', this.spanAttributes(task.id), () =>
      this.submitted.add(task),
    );
    return task;
  }

  /** One INSERT of submitted tasks, once even when a retry follows a lost answer. */
  private insertSubmitted(tasks: Task[]): Promise<void> {
    return withSqlRetry(
      async (attempt) => {
        // One statement is all or nothing: one row there means the lost try committed them all.
        if (attempt > 1 && (await this.tasks.existsBy({ id: tasks[0].id }))) return;
        await this.rowInsert.run(inCountLockOrder(tasks));
      },
      {
        what: 'insert submitted task',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context:
          tasks.length === 1 ? { task_id: tasks[0].id } : { task_ids: tasks.map((t) => t.id) },
      },
    );
  }

  /**
   * New PENDING tasks, every one inserted or none. A bulk submit's rows fit one INSERT, all or
   * nothing by itself; more rows than a statement may bind go in several, in one transaction.
   */
  async insertMany(specs: NewTask[]): Promise<Task[]> {
    if (specs.length === 0) return [];
    const createdAt = new Date();
    const tasks = specs.map((spec) => this.tasks.create(newTaskRow(spec, createdAt)));
    await withSqlRetry(
      async (attempt) => {
        // All or nothing: one row there means the lost try committed them all.
        if (attempt > 1 && (await this.tasks.existsBy({ id: tasks[0].id }))) return;
        await this.rowInsert.runAllOrNone(inCountLockOrder(tasks));
      },
      {
        what: 'insert submitted tasks',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { tasks: tasks.length, first_task_id: tasks[0].id },
      },
    );
    return tasks;
  }

  /**
   * A page, newest first, in one statement: the page's ids come from the index alone (every
   * filter has an index beginning with the project and ending in created_at, id), then their
   * rows: an OFFSET then skips index entries instead of reading whole rows. With `after` (a
   * keyset cursor) the page starts just past that row, a seek in the same index: the same cost
   * at any depth. The rows are read raw and typed by the driver's own column conversions,
   * without the entity manager's result mapping (which cost more than the query).
   */
  async page(
    scope: ProjectScope,
    filter: TaskFilter,
    limit: number,
    offset: number,
    after?: TaskCursor,
  ): Promise<Task[]> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return [];
    const dialect = await this.dialect();
    const ids = applyTaskFilter(
      this.tasks.createQueryBuilder('task').select('task.id', 'id'),
      project,
      filter,
      dialect,
      await this.textSearchFor(filter.q, dialect),
    );
    if (after) {
      ids.andWhere('(task.created_at, task.id) < (:afterAt, :afterId)', {
        afterAt: after.createdAt,
        afterId: after.id,
      });
    }
    const [idsSql, parameters] = ids
      .orderBy('task.created_at', 'DESC')
      .addOrderBy('task.id', 'DESC')
      .limit(limit)
      .offset(offset)
      .getQueryAndParameters();
    const rows: Record<string, unknown>[] = await this.tasks.query(
      `SELECT * FROM tasks WHERE id IN (${idsSql}) ORDER BY created_at DESC, id DESC`,
      parameters,
    );
    return rows.map((row) => this.fromRow(row));
  }

  /** A raw row of the tasks table as a Task, each column converted as TypeORM reads it. */
  private fromRow(row: Record<string, unknown>): Task {
    const driver = this.tasks.manager.connection.driver;
    const task = this.tasks.create();
    for (const column of this.tasks.metadata.columns) {
      column.setEntityValue(task, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return task;
  }

  /**
   * How to look for `q`'s text. On SQLite with FTS5: asks FTS5 for its matches in the whole
   * table, stopping past FTS_COMMON_MATCHES; a rare text's matches are then looked up by rowid,
   * a common one is scanned for newest first. On PostgreSQL: which part of it each trigram
   * index is asked for (see TextSearch).
   */
  private async textSearchFor(q: string | undefined, dialect: SqlDialect): Promise<TextSearch> {
    if (q === undefined) return 'index';
    if (dialect === 'postgres') {
      const shares = await this.trigramSample.shares();
      return {
        narrowedTo: {
          errorMessage: narrowedPart(q, shares.errorMessage),
          inputParams: narrowedPart(q, shares.inputParams),
        },
      };
    }
    if (!ftsCanSearch(q, dialect)) return 'index';
    if ((this.commonTexts.get(q) ?? 0) > Date.now()) return 'scan';
    const matches = await this.tasks.query<{ rowid: number }[]>(
      `SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ? LIMIT ${FTS_COMMON_MATCHES + 1}`,
      [ftsPhrase(q)],
    );
    if (matches.length <= FTS_COMMON_MATCHES)
      return { rowids: matches.map((match) => match.rowid) };
    if (this.commonTexts.size >= MAX_COMMON_TEXTS) this.commonTexts.clear();
    this.commonTexts.set(q, Date.now() + COMMON_TEXT_MS);
    return 'scan';
  }

  /**
   * The ids of up to `limit` tasks matching the filter within `scope`, newest first, from the
   * index: what a bulk action works through.
   */
  async matchingIds(scope: ProjectScope, filter: TaskFilter, limit: number): Promise<string[]> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return [];
    const dialect = await this.dialect();
    const rows: { id: string }[] = await applyTaskFilter(
      this.tasks.createQueryBuilder('task').select('task.id', 'id'),
      project,
      filter,
      dialect,
      await this.textSearchFor(filter.q, dialect),
    )
      .orderBy('task.created_at', 'DESC')
      .addOrderBy('task.id', 'DESC')
      .limit(limit)
      .getRawMany();
    return rows.map((row) => row.id);
  }

  /** Of `ids`, those that exist within `scope`, as they are now; any order. */
  async findMany(ids: readonly string[], scope: ProjectScope): Promise<Task[]> {
    if (ids.length === 0) return [];
    return this.tasks.findBy({
      id: In([...ids]),
      ...(scope.project ? { project: scope.project } : {}),
    });
  }

  private dialectFound?: Promise<SqlDialect>;

  /** Found once: the database, and on SQLite whether the migration made the FTS5 index. */
  private dialect(): Promise<SqlDialect> {
    this.dialectFound ??= (async (): Promise<SqlDialect> => {
      if (this.tasks.manager.connection.options.type === 'postgres') return 'postgres';
      const rows = await this.tasks.query<unknown[]>(
        `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tasks_fts'`,
      );
      return rows.length > 0 ? 'sqlite-fts5' : 'sqlite';
    })();
    return this.dialectFound;
  }

  /**
   * The listing's total: exact from the counters the database keeps per project, status and
   * type; with a filter they cannot answer (retry_of, priority, schedule_id, a date range, q),
   * counted from the rows through the filters' indexes, stopping past COUNT_CAP, where the
   * total becomes a lower bound.
   */
  async total(scope: ProjectScope, filter: TaskFilter): Promise<TaskTotal> {
    if (!needsRowCount(filter))
      return { count: await this.count(scope, filter), lowerBound: false };
    const project = projectToMatch(scope, filter.project);
    if (project === null) return { count: 0, lowerBound: false };
    const dialect = await this.dialect();
    const [matchesSql, parameters] = applyTaskFilter(
      this.tasks.createQueryBuilder('task').select('1', 'one'),
      project,
      filter,
      dialect,
      await this.textSearchFor(filter.q, dialect),
    )
      .limit(COUNT_CAP + 1)
      .getQueryAndParameters();
    const [row] = await this.tasks.query<{ total: string | number }[]>(
      `SELECT COUNT(*) AS total FROM (${matchesSql}) matches`,
      parameters,
    );
    const counted = Number(row?.total ?? 0);
    return counted > COUNT_CAP
      ? { count: COUNT_CAP, lowerBound: true }
      : { count: counted, lowerBound: false };
  }

  /**
   * Exact, from the counters the database keeps per project, status and type: a few rows read,
   * however many tasks. A filter the counters cannot answer counts through `total`.
   */
  async count(scope: ProjectScope, filter: CounterFilter): Promise<number> {
    const project = projectToMatch(scope, filter.project);
    if (project === null) return 0;
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

  /** Tasks of every project per type and status, from the counters (GET /api/metrics). */
  async countsByTypeAndStatus(): Promise<
    { taskType: TaskType; status: TaskStatus; count: number }[]
  > {
    const rows: { task_type: TaskType; status: TaskStatus; count: string | number }[] =
      await this.tasks.manager
        .createQueryBuilder()
        .select('counts.task_type', 'task_type')
        .addSelect('counts.status', 'status')
        .addSelect('COALESCE(SUM(counts.count), 0)', 'count')
        .from('task_counts', 'counts')
        .groupBy('counts.task_type')
        .addGroupBy('counts.status')
        .getRawMany();
    return rows.map((row) => ({
      taskType: row.task_type,
      status: row.status,
      count: Number(row.count),
    }));
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

  /** The newest task a schedule made at or after `since`, if any (a claimed tick's task). */
  async madeBySchedule(scheduleId: string, since: Date): Promise<string | undefined> {
    const task = await this.tasks.findOne({
      select: { id: true },
      where: { scheduleId, createdAt: MoreThanOrEqual(since) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
    return task?.id;
  }

  /**
   * The oldest PENDING tasks created before `createdBefore`, as references: the recovery pass
   * checks every one against Redis and needs the whole row only for those whose job is gone.
   * With a backlog, reading 500 whole rows every pass cost 10-20 ms of the API's main thread.
   */
  async pendingSince(createdBefore: Date, limit: number): Promise<TaskRef[]> {
    return this.refs('PENDING', createdBefore, 'task.created_at', limit);
  }

  /**
   * Tasks in `status` created before `createdBefore`, first by `order`, read raw: building 500
   * entities, even of two columns, cost ten times the query.
   */
  private refs(
    status: TaskStatus,
    createdBefore: Date,
    order: string,
    limit: number,
    alsoWhere?: string,
  ): Promise<TaskRef[]> {
    const query = this.tasks
      .createQueryBuilder('task')
      .select('task.id', 'id')
      .addSelect('task.task_type', 'taskType')
      .where('task.status = :status AND task.created_at < :createdBefore', {
        status,
        createdBefore,
      });
    if (alsoWhere) query.andWhere(alsoWhere);
    return query.orderBy(order, 'ASC').limit(limit).getRawMany<TaskRef>();
  }

  /** SCHEDULED tasks whose run_at has come, the longest due first. */
  async scheduledDue(now: Date, limit: number): Promise<Task[]> {
    return this.tasks.find({
      where: { status: 'SCHEDULED', runAt: LessThanOrEqual(now) },
      order: { runAt: 'ASC' },
      take: limit,
    });
  }

  /** The soonest-due SCHEDULED tasks created before `createdBefore`, as references. */
  async scheduledSince(createdBefore: Date, limit: number): Promise<TaskRef[]> {
    // Always true of a SCHEDULED row; said so that the partial (status, run_at) index serves.
    return this.refs('SCHEDULED', createdBefore, 'task.run_at', limit, 'task.run_at IS NOT NULL');
  }

  /**
   * SCHEDULED → PENDING once its run_at has come (by `now`); false when it is not SCHEDULED, or
   * not due yet.
   */
  async markDue(taskId: string, now = new Date()): Promise<boolean> {
    return this.write('mark scheduled task due', taskId, () =>
      this.tasks.update(
        { id: taskId, status: 'SCHEDULED', runAt: LessThanOrEqual(now) },
        { status: 'PENDING' },
      ),
    );
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

  /** PENDING, SCHEDULED or RUNNING → CANCELLED within `scope`; false when in none of them. */
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

  /**
   * PENDING (or re-delivered RUNNING) → RUNNING. The run's attempt number (1 for the task's first
   * run: every run is counted here before it does anything), or null when the task is no longer
   * runnable.
   */
  async markRunning(taskId: string): Promise<number | null> {
    const sql = this.statusUpdate(
      'RUNNING',
      (column, param) =>
        `${column('status')} = ${param()}, ` +
        `${column('startedAt')} = COALESCE(${column('startedAt')}, ${param()}), ` +
        `${column('heartbeatAt')} = ${param()}, ${column('attempts')} = ${column('attempts')} + 1`,
      2,
      'attempts',
    );
    const now = new Date();
    let attempt: number | null = null;
    const changed = await this.write('mark task RUNNING', taskId, async () => {
      const { records = [] } = await this.runStatusUpdate(sql, [
        ['status', 'RUNNING'],
        ['startedAt', now],
        ['heartbeatAt', now],
        ['id', taskId],
        ['status', 'PENDING'],
        ['status', 'RUNNING'],
      ]);
      const [row] = records as { attempts: number | string }[];
      attempt = row === undefined ? null : Number(row.attempts);
      return { affected: records.length };
    });
    return changed ? attempt : null;
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
    fields: Required<Pick<Task, 'resultData' | 'errorMessage' | 'outputBytes'>> &
      Partial<Pick<Task, 'progress'>>,
  ): Promise<boolean> {
    const sources = sourcesOf(status);
    const assigned: ColumnValue[] = [
      ['status', status],
      ['completedAt', new Date()],
      ['resultData', fields.resultData],
      ['errorMessage', fields.errorMessage],
      ['outputBytes', fields.outputBytes],
      ...(fields.progress === undefined ? [] : [['progress', fields.progress] as ColumnValue]),
    ];
    const sql = this.statusUpdate(
      `${status}${fields.progress === undefined ? '' : ' with progress'}`,
      (column, param) =>
        assigned.map(([property]) => `${column(property)} = ${param()}`).join(', '),
      sources.length,
    );
    return this.write(
      `mark task ${status}`,
      taskId,
      () =>
        this.runStatusUpdate(sql, [
          ...assigned,
          ['id', taskId],
          ...sources.map((source): ColumnValue => ['status', source]),
        ]),
      status,
    );
  }

  /**
   * `UPDATE tasks SET <assignments> WHERE id = ? AND status IN (<sources> placeholders)`, its
   * text built once per process and kept under `shape` (and prepared on PostgreSQL): the worker
   * writes RUNNING and SUCCESS for every task, and building them through the query builder cost
   * more CPU than SQLite took to run them (as for the submit INSERT). The values go in the order
   * the placeholders appear.
   */
  private statusUpdate(
    shape: string,
    assignments: (column: (property: keyof Task) => string, param: () => string) => string,
    sources: number,
    returning?: keyof Task,
  ): string {
    let sql = this.statusUpdates.get(shape);
    if (sql === undefined) {
      const driver = this.tasks.manager.connection.driver;
      let index = 0;
      const param = () => driver.createParameter(`p${index}`, index++);
      const column = (property: keyof Task) => escapedColumn(this.tasks, property);
      const set = assignments(column, param);
      const where = `${column('id')} = ${param()} AND ${column('status')} IN (${Array.from(
        { length: sources },
        param,
      ).join(', ')})`;
      sql = `UPDATE ${escapedTable(this.tasks)} SET ${set} WHERE ${where}`;
      if (returning) sql += ` RETURNING ${column(returning)} AS ${driver.escape(returning)}`;
      this.statusUpdates.set(shape, keepPrepared(sql));
    }
    return sql;
  }

  /** Runs a statusUpdate statement with each value converted as its column's (dates, JSON). */
  private async runStatusUpdate(
    sql: string,
    values: ColumnValue[],
  ): Promise<{ affected?: number; records?: unknown[] }> {
    const metadata = this.tasks.metadata;
    const driver = this.tasks.manager.connection.driver;
    const parameters = values.map(
      ([property, value]): unknown =>
        driver.preparePersistentValue(
          value,
          metadata.findColumnWithPropertyName(property) as ColumnMetadata,
        ) as unknown,
    );
    const runner = this.tasks.manager.connection.createQueryRunner();
    try {
      return await runner.query(sql, parameters, true);
    } finally {
      await runner.release();
    }
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
    update: () => Promise<Pick<UpdateResult, 'affected'>>,
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
