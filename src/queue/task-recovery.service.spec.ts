import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { openMemoryDatabase } from '../testing/test-databases';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { TaskEvent } from '../events/task-event';
import { HEARTBEAT_LAPSE_MS, MAX_RECOVERIES, TaskRecovery } from './task-recovery.service';
import { TaskQueueService } from './task-queue.service';

type JobState = 'present' | 'failed' | 'missing';

/** The real sweeper on a real (in-memory) SQLite schema; Redis is a stand-in holding job states. */
describe('TaskRecovery deciding about RUNNING tasks', () => {
  let dataSource: DataSource;
  let tasks: Repository<Task>;
  let jobs: Map<string, JobState>;
  let enqueued: string[];
  /** The rows handed to enqueue, by id. */
  let enqueuedRows: Map<string, Task>;
  let published: TaskEvent[];
  let recovery: TaskRecovery;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataSource = await openMemoryDatabase();
    tasks = dataSource.getRepository(Task);
  });

  afterAll(async () => {
    await dataSource.destroy();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  beforeEach(async () => {
    await tasks.clear();
    jobs = new Map();
    enqueued = [];
    enqueuedRows = new Map();
    published = [];
    const queue: Pick<TaskQueueService, 'jobState' | 'withoutJob' | 'enqueue'> = {
      jobState: (task) => Promise.resolve(jobs.get(task.id) ?? 'missing'),
      withoutJob: (list) => Promise.resolve(list.filter((task) => !jobs.has(task.id))),
      enqueue: (task) => {
        enqueued.push(task.id);
        enqueuedRows.set(task.id, task);
        return Promise.resolve(true);
      },
    };
    const bus: Pick<EventBus, 'publish'> = { publish: (event) => published.push(event) };
    const store = new TaskStore(tasks, new AppConfig(validateEnv({})));
    recovery = new TaskRecovery(store, queue as TaskQueueService, bus as EventBus);
  });

  const ago = (ms: number): Date => new Date(Date.now() - ms);

  /** A RUNNING task started a minute ago whose worker last beat `beatAgoMs` ago (null: never). */
  async function running(beatAgoMs: number | null, job: JobState, attempts = 1): Promise<string> {
    const id = randomUUID();
    await tasks.insert({
      id,
      taskType: 'email_sending',
      status: 'RUNNING',
      createdAt: ago(61_000),
      startedAt: ago(60_000),
      heartbeatAt: beatAgoMs === null ? null : ago(beatAgoMs),
      inputParams: {},
      attempts,
    });
    if (job !== 'missing') jobs.set(id, job);
    return id;
  }

  const statusOf = async (id: string): Promise<string> =>
    (await tasks.findOneByOrFail({ id })).status;

  it('leaves a task whose job is present alone, however old its heartbeat', async () => {
    const id = await running(10 * HEARTBEAT_LAPSE_MS, 'present');
    expect(await recovery.sweep()).toEqual({ enqueued: 0, failed: 0 });
    expect(await statusOf(id)).toBe('RUNNING');
    expect(enqueued).toEqual([]);
  });

  it('leaves a task whose job vanished alone while its worker still beats', async () => {
    const id = await running(1_000, 'missing');
    const justInTime = await running(HEARTBEAT_LAPSE_MS - 2_000, 'missing');
    const givenUpByBullMq = await running(1_000, 'failed');
    expect(await recovery.sweep()).toEqual({ enqueued: 0, failed: 0 });
    for (const task of [id, justInTime, givenUpByBullMq])
      expect(await statusOf(task)).toBe('RUNNING');
    expect(enqueued).toEqual([]);
  });

  it('re-enqueues a task whose job vanished once its heartbeat has lapsed', async () => {
    const id = await running(HEARTBEAT_LAPSE_MS + 2_000, 'missing');
    expect(await recovery.sweep()).toEqual({ enqueued: 1, failed: 0 });
    expect(await statusOf(id)).toBe('PENDING');
    expect(enqueued).toEqual([id]);
    expect(published).toMatchObject([{ type: 'status', task_id: id, status: 'PENDING' }]);
  });

  it('judges a task that never beat (started before heartbeats existed) by its start', async () => {
    const id = await running(null, 'missing');
    expect(await recovery.sweep()).toEqual({ enqueued: 1, failed: 0 });
    expect(await statusOf(id)).toBe('PENDING');
  });

  it('fails a lapsed task that lost its job too often, or that BullMQ gave up on', async () => {
    const tooOften = await running(HEARTBEAT_LAPSE_MS + 2_000, 'missing', MAX_RECOVERIES);
    const stalled = await running(HEARTBEAT_LAPSE_MS + 2_000, 'failed');
    expect(await recovery.sweep()).toEqual({ enqueued: 0, failed: 2 });
    expect(await statusOf(tooOften)).toBe('FAILED');
    expect(await statusOf(stalled)).toBe('FAILED');
    expect(enqueued).toEqual([]);
    expect(published.map((event) => [event.task_id, event.status]).sort()).toEqual(
      [
        [tooOften, 'FAILED'],
        [stalled, 'FAILED'],
      ].sort(),
    );
  });

  /** A SCHEDULED task created a minute ago, due `dueInMs` from now (negative: past due). */
  async function scheduled(dueInMs: number, job: JobState | 'missing'): Promise<string> {
    const id = randomUUID();
    await tasks.insert({
      id,
      taskType: 'csv_processing',
      status: 'SCHEDULED',
      createdAt: ago(60_000),
      runAt: new Date(Date.now() + dueInMs),
      inputParams: {},
    });
    if (job !== 'missing') jobs.set(id, job);
    return id;
  }

  it('moves a due SCHEDULED task to PENDING, and leaves one not yet due', async () => {
    const due = await scheduled(-1_000, 'present');
    const later = await scheduled(60_000, 'present');
    expect(await recovery.promoteDue()).toBe(1);
    expect(await statusOf(due)).toBe('PENDING');
    expect(await statusOf(later)).toBe('SCHEDULED');
    expect(published).toMatchObject([{ type: 'status', task_id: due, status: 'PENDING' }]);
    expect(enqueued).toEqual([]);
  });

  it('enqueues a SCHEDULED task whose delayed job is missing, due or not', async () => {
    const dueLost = await scheduled(-1_000, 'missing');
    const laterLost = await scheduled(60_000, 'missing');
    const laterKept = await scheduled(60_000, 'present');
    expect(await recovery.sweep()).toEqual({ enqueued: 2, failed: 0 });
    expect(await statusOf(dueLost)).toBe('PENDING');
    expect(await statusOf(laterLost)).toBe('SCHEDULED');
    expect(await statusOf(laterKept)).toBe('SCHEDULED');
    expect(enqueued.sort()).toEqual([dueLost, laterLost].sort());
  });

  it('enqueues a PENDING task whose job is missing, with its whole row, and only that one', async () => {
    const pending = async (job: JobState): Promise<string> => {
      const id = randomUUID();
      await tasks.insert({
        id,
        taskType: 'csv_processing',
        status: 'PENDING',
        createdAt: ago(61_000),
        inputParams: { num_rows: 7 },
        priority: 8,
      });
      if (job !== 'missing') jobs.set(id, job);
      return id;
    };
    const lost = await pending('missing');
    await pending('present');
    expect(await recovery.sweep()).toEqual({ enqueued: 1, failed: 0 });
    expect(enqueued).toEqual([lost]);
    expect(enqueuedRows.get(lost)).toEqual(
      expect.objectContaining({
        taskType: 'csv_processing',
        status: 'PENDING',
        inputParams: { num_rows: 7 },
        priority: 8,
      }),
    );
  });

  it('enqueues lost PENDING tasks oldest first', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    // Inserted newest first, so that the table's own order is not the answer.
    for (const [i, id] of [...ids.entries()].reverse()) {
      await tasks.insert({
        id,
        taskType: 'csv_processing',
        status: 'PENDING',
        createdAt: ago(90_000 - i * 1_000),
        inputParams: {},
      });
    }
    await recovery.sweep();
    expect(enqueued).toEqual(ids);
  });
});
