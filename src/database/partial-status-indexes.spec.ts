import { Logger } from '@nestjs/common';
import { QueryRunner } from 'typeorm';
import { EVERY_PROJECT } from '../core/project';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { TaskStore } from './task-store';
import { Task } from './task.entity';

interface Statement {
  sql: string;
  parameters: unknown[];
}

/**
 * (status, run_at) and (status, completed_at) hold only rows with a run_at or a completed_at
 * (migration 1764900000000): these checks hold the store's reads to what lets such an index
 * serve them, on PostgreSQL also in the plan it caches for any parameter values.
 */
describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('partial status indexes on %s', (kind) => {
  let database: TestDatabase;
  let store: TaskStore;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    store = new TaskStore(database.dataSource.getRepository(Task), database.config);
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  /** The SELECTs the store sends while `read` runs. */
  async function selectsOf(read: () => Promise<unknown>): Promise<Statement[]> {
    // SQLite's driver hands out one runner for every call: each is spied once, and restored.
    const queries = new Map<QueryRunner, jest.SpyInstance>();
    const create = database.dataSource.createQueryRunner.bind(database.dataSource);
    const spy = jest
      .spyOn(database.dataSource, 'createQueryRunner')
      .mockImplementation((...args: Parameters<typeof create>) => {
        const runner = create(...args);
        if (!queries.has(runner)) queries.set(runner, jest.spyOn(runner, 'query'));
        return runner;
      });
    try {
      await read();
      return [...queries.values()]
        .flatMap((query) => query.mock.calls as [string, unknown[]?][])
        .filter(([sql]) => /^\s*SELECT/i.test(sql))
        .map(([sql, parameters = []]) => ({ sql, parameters }));
    } finally {
      spy.mockRestore();
      for (const query of queries.values()) query.mockRestore();
    }
  }

  /**
   * The plan of `statement` with `index` required (SQLite: INDEXED BY, which fails when the index
   * cannot serve the query) or preferred (PostgreSQL: its generic plan, scans the index could
   * replace turned off), as text.
   */
  async function planWith(index: string, { sql, parameters }: Statement): Promise<string> {
    if (kind === 'sqlite') {
      const from = /FROM "tasks" "\w+"/;
      expect(sql).toMatch(from);
      const rows: { detail: string }[] = await database.dataSource.query(
        `EXPLAIN QUERY PLAN ${sql.replace(from, (table) => `${table} INDEXED BY ${index}`)}`,
        parameters,
      );
      return rows.map((row) => row.detail).join('\n');
    }
    const runner = database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`SET enable_seqscan = off`);
      await runner.query(`PREPARE checked AS ${sql}`);
      const literals = parameters.map((value) =>
        value instanceof Date ? `'${value.toISOString()}'` : `'${String(value)}'`,
      );
      const rows = (await runner.query(
        `EXPLAIN EXECUTE checked${literals.length > 0 ? `(${literals.join(', ')})` : ''}`,
      )) as { 'QUERY PLAN': string }[];
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    } finally {
      await runner.query(`DEALLOCATE ALL`);
      await runner.query(`RESET ALL`);
      await runner.release();
    }
  }

  it('finds due SCHEDULED tasks through the index of SCHEDULED rows', async () => {
    const [select] = await selectsOf(() => store.scheduledDue(new Date(), 10));
    expect(await planWith('idx_tasks_status_run_at', select)).toContain('idx_tasks_status_run_at');
  });

  it('lists SCHEDULED tasks by run_at through the same index', async () => {
    const [select] = await selectsOf(() => store.scheduledSince(new Date(), 10));
    expect(await planWith('idx_tasks_status_run_at', select)).toContain('idx_tasks_status_run_at');
  });

  it('counts finished tasks per minute through the index of finished rows', async () => {
    const [select] = await selectsOf(() =>
      store.throughputSince(new Date(Date.now() - 3_600_000), EVERY_PROJECT),
    );
    expect(await planWith('idx_tasks_status_completed_at', select)).toContain(
      'idx_tasks_status_completed_at',
    );
  });

  it('finds the SCHEDULED task and counts the finished one through them', async () => {
    const task = await store.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'default',
    });
    const scheduled = await store.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'default',
      runAt: new Date(Date.now() + 3_600_000),
      scheduled: true,
    });
    const due = async () =>
      (await store.scheduledDue(new Date(Date.now() + 7_200_000), 10)).map((row) => row.id);
    expect(await due()).toEqual([scheduled.id]);
    await store.markRunning(task.id);
    await store.markSucceeded(task.id, {});
    const minutes = await store.throughputSince(new Date(Date.now() - 60_000), EVERY_PROJECT);
    expect(minutes.reduce((sum, minute) => sum + minute.completed, 0)).toBe(1);
    expect(await due()).toEqual([scheduled.id]);
  });
});
