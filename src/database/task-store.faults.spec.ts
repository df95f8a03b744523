import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner, Repository } from 'typeorm';
import { openMemoryDatabase } from '../testing/test-databases';
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
