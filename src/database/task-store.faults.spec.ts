import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DataSource, QueryRunner, Repository } from 'typeorm';
import { openMemoryDatabase, openTestDatabase, TestDatabase } from '../testing/test-databases';
import { waitFor } from '../../test/utils/wait-for';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { TaskStatus } from '../core/task-status';
import { Task } from './task.entity';
import { TaskStore } from './task-store';

const lostAnswer = (): Error => new Error('Connection terminated unexpectedly');
const busy = (): Error => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

/** The real service on a real (in-memory) SQLite schema, with faults put in front of UPDATE. */
describe('TaskStore under transient SQL errors', () => {
  let dataSource: DataSource;
  let tasks: Repository<Task>;
  let state: TaskStore;
  let spy: jest.SpyInstance | undefined;
  let updates = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dataSource = await openMemoryDatabase();
    tasks = dataSource.getRepository(Task);
    const config = new AppConfig(validateEnv({ SQL_RETRY_ATTEMPTS: '4', SQL_RETRY_DELAY_MS: '0' }));
    state = new TaskStore(tasks, config);
  });

  afterAll(async () => {
    await dataSource.destroy();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  afterEach(() => {
    spy?.mockRestore();
    spy = undefined;
    updates = 0;
  });

  async function taskIn(status: TaskStatus): Promise<string> {
    const id = randomUUID();
    await tasks.insert({
      id,
      taskType: 'csv_processing',
      status,
      createdAt: new Date(),
      inputParams: {},
      attempts: 1,
    });
    return id;
  }

  /**
   * Makes the next `times` UPDATEs fail: before they run, or after they committed. The fault sits
   * in front of the query runner, which every statement goes through (the repository's and the
   * store's own prepared ones alike); `updates` counts the UPDATEs tried.
   */
  function failUpdates(times: number, how: 'before' | 'after', error: () => Error): void {
    const runner = dataSource.createQueryRunner();
    const original = runner.query.bind(runner);
    let left = times;
    spy = jest
      .spyOn(runner, 'query')
      .mockImplementation(async (...args: Parameters<QueryRunner['query']>) => {
        if (!/^\s*UPDATE/i.test(args[0])) return (await original(...args)) as unknown;
        updates++;
        if (left > 0 && how === 'before') {
          left--;
          throw error();
        }
        const result: unknown = await original(...args);
        if (left > 0) {
          left--;
          throw error();
        }
        return result;
      });
  }

  it('writes SUCCESS through a busy database', async () => {
    const id = await taskIn('RUNNING');
    failUpdates(2, 'before', busy);
    expect(await state.markSucceeded(id, { total_rows: 1 })).toBe(true);
    expect(await tasks.findOneByOrFail({ id })).toMatchObject({
      status: 'SUCCESS',
      progress: 100,
      resultData: { total_rows: 1 },
    });
    expect(updates).toBe(3);
  });

  it('keeps the progress a task had reached when it fails, and sets 100 on SUCCESS', async () => {
    const failing = await taskIn('RUNNING');
    expect(await state.saveProgress(failing, 42.5)).toBe(true);
    expect(await state.markFailed(failing, 'boom')).toBe(true);
    expect(await tasks.findOneByOrFail({ id: failing })).toMatchObject({
      status: 'FAILED',
      progress: 42.5,
      errorMessage: 'boom',
    });
    const succeeding = await taskIn('RUNNING');
    expect(await state.saveProgress(succeeding, 42.5)).toBe(true);
    expect(await state.markSucceeded(succeeding, {})).toBe(true);
    expect((await tasks.findOneByOrFail({ id: succeeding })).progress).toBe(100);
  });

  it('beats only on a RUNNING row, and marking RUNNING beats too', async () => {
    const id = await taskIn('PENDING');
    const before = Date.now();
    expect(await state.markRunning(id)).toBe(2); // the row was made with attempts 1
    const started = (await tasks.findOneByOrFail({ id })).heartbeatAt;
    expect(started?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    await tasks.update({ id }, { heartbeatAt: new Date(0) });
    await state.beat(id);
    expect((await tasks.findOneByOrFail({ id })).heartbeatAt?.getTime()).toBeGreaterThanOrEqual(
      before - 1000,
    );
    const cancelled = await taskIn('CANCELLED');
    await state.beat(cancelled);
    expect((await tasks.findOneByOrFail({ id: cancelled })).heartbeatAt).toBeNull();
  });

  it('reports SUCCESS written when the first try committed but its answer was lost', async () => {
    const id = await taskIn('RUNNING');
    failUpdates(1, 'after', lostAnswer);
    expect(await state.markSucceeded(id, {})).toBe(true);
    expect((await tasks.findOneByOrFail({ id })).status).toBe('SUCCESS');
  });

  it('still never overwrites CANCELLED, and says so, when a retry was needed', async () => {
    const id = await taskIn('CANCELLED');
    failUpdates(1, 'before', lostAnswer);
    expect(await state.markSucceeded(id, {})).toBe(false);
    expect(await state.markFailed(id, 'boom')).toBe(false);
    expect((await tasks.findOneByOrFail({ id })).status).toBe('CANCELLED');
  });

  it('gives up after SQL_RETRY_ATTEMPTS tries and throws the last error', async () => {
    const id = await taskIn('RUNNING');
    failUpdates(10, 'before', busy);
    await expect(state.saveProgress(id, 50)).rejects.toThrow('database is locked');
    expect(updates).toBe(4);
    expect((await tasks.findOneByOrFail({ id })).progress).toBe(0);
  });

  it('does not retry an error that is not transient', async () => {
    const id = await taskIn('RUNNING');
    failUpdates(1, 'before', () => new Error('SQLITE_ERROR: no such column: progres'));
    await expect(state.saveProgress(id, 50)).rejects.toThrow('no such column');
    expect(updates).toBe(1);
  });
});

/**
 * The checkpoint thread's idle truncation (wal-checkpoint.ts) holds SQLite's write lock while it
 * waits for readers to leave the WAL and while the file system frees the file. A submit that
 * arrives in that window meets SQLITE_BUSY after its busy timeout: it must be retried and land.
 * A reader's snapshot holds the window open here, so that the write surely meets it.
 */
describe('TaskStore beside a truncating WAL checkpoint (SQLite file)', () => {
  let database: TestDatabase;
  let store: TaskStore;
  let path: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase('sqlite', {
      SQL_RETRY_ATTEMPTS: '20',
      SQL_RETRY_DELAY_MS: '10',
    });
    if (database.config.database.kind !== 'sqlite') throw new Error('a SQLite file expected');
    path = database.config.database.path;
    store = new TaskStore(database.dataSource.getRepository(Task), database.config);
  });

  afterAll(async () => {
    await database.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const submit = () =>
    store.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 10 },
      retryOf: null,
      project: 'default',
    });

  /**
   * The TRUNCATE checkpoint truncateLargeWal runs, in a thread of its own as the service runs it,
   * on a connection that waits up to 10 s for the reader (the service's waits 50 ms).
   */
  const startTruncation = (): {
    started: Promise<void>;
    done: Promise<{ busy: number }>;
    stop: () => Promise<number>;
  } => {
    const thread = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData.path, { timeout: 10000 });
       parentPort.postMessage('started');
       const [row] = db.pragma('wal_checkpoint(TRUNCATE)');
       db.close();
       parentPort.postMessage(row);`,
      { eval: true, workerData: { path } },
    );
    const next = () =>
      new Promise<unknown>((resolve, reject) => {
        thread.once('message', resolve);
        thread.once('error', reject);
      });
    const started = next().then(() => undefined);
    const done = started.then(() => next() as Promise<{ busy: number }>);
    return { started, done, stop: () => thread.terminate() };
  };

  /** Whether another connection holds the write lock now (a probe that does not wait). */
  const writeLockHeld = (): boolean => {
    const probe = new Database(path, { timeout: 0 });
    try {
      probe.exec('BEGIN IMMEDIATE');
      probe.exec('ROLLBACK');
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw error;
    } finally {
      probe.close();
    }
  };

  it('retries a submit that meets the write lock, and it lands once the truncation is done', async () => {
    for (let i = 0; i < 50; i++) await submit();
    const walPath = `${path}-wal`;
    const walBefore = statSync(walPath).size;
    expect(walBefore).toBeGreaterThan(0);

    const reader = new Database(path);
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM tasks').get();
    const truncation = startTruncation();
    // The reader leaves at the first retry: the write has met the lock by then.
    const retries: unknown[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      retries.push(message);
      if (reader.inTransaction) reader.exec('COMMIT');
    });
    try {
      await truncation.started;
      await waitFor('the truncation to hold the write lock', writeLockHeld, {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      const task = await submit();
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0]).toMatchObject({
        msg: 'SQL retried: insert submitted task',
        code: 'SQLITE_BUSY',
      });
      expect(await truncation.done).toMatchObject({ busy: 0 });
      const rows = database.dataSource.getRepository(Task);
      expect(await rows.findOneBy({ id: task.id })).toMatchObject({ status: 'PENDING' });
      expect(await rows.count()).toBe(51);
      expect(statSync(walPath).size).toBeLessThan(walBefore);
    } finally {
      warn.mockRestore();
      if (reader.inTransaction) reader.exec('COMMIT');
      reader.close();
      await truncation.stop();
    }
  });
});
