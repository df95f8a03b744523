import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../database/data-source';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { SubmitTaskDto } from '../tasks/dto/submit-task.dto';
import { TasksService } from '../tasks/tasks.service';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { ScheduleTicker } from './schedule-ticker.service';
import { Schedule } from './schedule.entity';

/** Stands in for the submit path: records what it was asked to submit. */
class RecordingTasks {
  readonly submitted: { scheduleId?: string; project: string }[] = [];
  submit(
    _request: SubmitTaskDto,
    project: string,
    origin: { scheduleId?: string } = {},
  ): Promise<Task> {
    this.submitted.push({ project, scheduleId: origin.scheduleId });
    return Promise.resolve({ id: randomUUID() } as Task);
  }
}

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('ScheduleTicker on %s', (kind) => {
  let database: TestDatabase;
  /** A second connection (pool) to the same database: another API instance. */
  let other: DataSource;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    other = await new DataSource(
      buildDataSourceOptions(database.config, { runMigrations: false }),
    ).initialize();
  });

  afterAll(async () => {
    await other?.destroy();
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const tickerOn = (dataSource: DataSource, tasks: RecordingTasks): ScheduleTicker =>
    new ScheduleTicker(
      dataSource.getRepository(Schedule),
      tasks as unknown as TasksService,
      new TaskStore(dataSource.getRepository(Task), database.config),
      database.config,
    );

  async function scheduleDue(nextRunAt: Date | null, cron = '* * * * *'): Promise<string> {
    const id = randomUUID();
    const now = new Date();
    await database.dataSource.getRepository(Schedule).insert({
      id,
      project: 'alpha',
      name: 'nightly',
      cron,
      timezone: 'UTC',
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      priority: null,
      timeoutSeconds: null,
      enabled: nextRunAt !== null,
      nextRunAt,
      lastRunAt: null,
      lastTaskId: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  const stored = (id: string) =>
    database.dataSource.getRepository(Schedule).findOneByOrFail({ id });

  it('fires a tick once when two instances poll at the same moment, many times over', async () => {
    const first = new RecordingTasks();
    const second = new RecordingTasks();
    const tickers = [tickerOn(database.dataSource, first), tickerOn(other, second)];
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => scheduleDue(new Date('2026-01-01T00:01:00Z'))),
    );
    const now = new Date('2026-01-01T00:01:00.500Z');
    const fired = await Promise.all(tickers.map((ticker) => ticker.poll(now)));
    expect(fired[0] + fired[1]).toBe(10);
    const made = [...first.submitted, ...second.submitted].map((task) => task.scheduleId).sort();
    expect(made).toEqual([...ids].sort());
    for (const id of ids) {
      const row = await stored(id);
      expect(row.nextRunAt).toEqual(new Date('2026-01-01T00:02:00Z'));
      expect(row.lastTaskId).not.toBeNull();
    }
    // Polled again within the same minute, nothing is due any more.
    expect(await tickers[0].poll(now)).toBe(0);
  });

  it('fires a tick missed long ago once, then waits for the next one after now', async () => {
    const tasks = new RecordingTasks();
    const ticker = tickerOn(database.dataSource, tasks);
    const id = await scheduleDue(new Date('2025-12-01T00:00:00Z'), '0 * * * *');
    const now = new Date('2026-01-01T10:30:00Z');
    await ticker.poll(now);
    await ticker.poll(now);
    expect(tasks.submitted.filter((task) => task.scheduleId === id)).toEqual([
      { project: 'alpha', scheduleId: id },
    ]);
    expect((await stored(id)).nextRunAt).toEqual(new Date('2026-01-01T11:00:00Z'));
    expect((await stored(id)).lastRunAt).toEqual(now);
  });

  it('leaves a disabled schedule alone, and records a refused submit', async () => {
    const disabled = await scheduleDue(null);
    const failing = await scheduleDue(new Date('2026-02-01T00:00:00Z'));
    const tasks = new RecordingTasks();
    tasks.submit = () => Promise.reject(new Error('The project has 10000 unfinished tasks'));
    await tickerOn(database.dataSource, tasks).poll(new Date('2026-02-01T00:00:01Z'));
    expect((await stored(disabled)).lastRunAt).toBeNull();
    const row = await stored(failing);
    expect(row.lastError).toBe('The project has 10000 unfinished tasks');
    expect(row.nextRunAt).toEqual(new Date('2026-02-01T00:01:00Z'));
  });
  /** A schedule whose tick `claimedAt` was claimed and never confirmed (its instance died). */
  async function claimedAndLost(claimedAt: Date): Promise<string> {
    const id = await scheduleDue(new Date(claimedAt.getTime() + 3_600_000), '0 * * * *');
    await database.dataSource.getRepository(Schedule).update({ id }, { lastRunAt: claimedAt });
    return id;
  }

  it('submits a tick whose claimer died before making its task, once across instances', async () => {
    const now = new Date();
    const id = await claimedAndLost(new Date(now.getTime() - 3 * 60_000));
    const first = new RecordingTasks();
    const second = new RecordingTasks();
    await Promise.all([
      tickerOn(database.dataSource, first).poll(now),
      tickerOn(other, second).poll(now),
    ]);
    const made = [...first.submitted, ...second.submitted].filter((t) => t.scheduleId === id);
    expect(made).toHaveLength(1);
    const row = await stored(id);
    expect(row.lastTaskId).not.toBeNull();
    expect(row.lastRunAt).toEqual(now);
  });

  it('links the task a dead claimer made instead of making a second one', async () => {
    const now = new Date();
    const claimedAt = new Date(now.getTime() - 3 * 60_000);
    const id = await claimedAndLost(claimedAt);
    const store = new TaskStore(database.dataSource.getRepository(Task), database.config);
    const task = await store.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'alpha',
      scheduleId: id,
    });
    const tasks = new RecordingTasks();
    await tickerOn(database.dataSource, tasks).poll(now);
    expect(tasks.submitted.filter((t) => t.scheduleId === id)).toEqual([]);
    const row = await stored(id);
    expect(row.lastTaskId).toBe(task.id);
    expect(row.lastRunAt).toEqual(claimedAt);
  });

  it('leaves a claim younger than a submit could take alone', async () => {
    const now = new Date();
    const id = await claimedAndLost(new Date(now.getTime() - 10_000));
    const tasks = new RecordingTasks();
    await tickerOn(database.dataSource, tasks).poll(now);
    expect(tasks.submitted.filter((t) => t.scheduleId === id)).toEqual([]);
    expect((await stored(id)).lastTaskId).toBeNull();
  });
});
