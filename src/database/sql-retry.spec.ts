import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryFailedError } from 'typeorm';
import {
  isTransientSqlError,
  MAX_SQL_RETRY_DELAY_MS,
  sqlRetryDelay,
  SqlRetryPolicy,
  withSqlRetry,
} from './sql-retry';

const withCode = (code: string, message = 'failed'): Error =>
  Object.assign(new Error(message), { code });

describe('isTransientSqlError', () => {
  it.each([
    ['SQLite busy', withCode('SQLITE_BUSY', 'database is locked')],
    ['SQLite busy snapshot', withCode('SQLITE_BUSY_SNAPSHOT')],
    ['SQLite locked', withCode('SQLITE_LOCKED')],
    ['PostgreSQL admin shutdown (pg_terminate_backend)', withCode('57P01')],
    ['PostgreSQL crash shutdown', withCode('57P02')],
    ['PostgreSQL cannot connect now', withCode('57P03')],
    ['PostgreSQL connection failure', withCode('08006')],
    ['PostgreSQL connection does not exist', withCode('08003')],
    ['PostgreSQL cannot establish connection', withCode('08001')],
    ['PostgreSQL serialization failure', withCode('40001')],
    ['PostgreSQL deadlock', withCode('40P01')],
    ['a reset socket', withCode('ECONNRESET')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['node-postgres dropped socket', new Error('Connection terminated unexpectedly')],
    [
      'node-postgres dead client',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['a pool that cannot connect', new Error('timeout exceeded when trying to connect')],
  ])('%s is transient', (_name, error) => {
    expect(isTransientSqlError(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value')],
    ['a SQLite constraint', withCode('SQLITE_CONSTRAINT_PRIMARYKEY')],
    ['a syntax error', withCode('42601')],
    ['a missing table', withCode('SQLITE_ERROR', 'no such table: tasks')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error at all', 'SQLITE_BUSY'],
    ['nothing', undefined],
  ])('%s is not', (_name, error) => {
    expect(isTransientSqlError(error)).toBe(false);
  });

  it("looks through TypeORM's QueryFailedError at the driver's error", () => {
    const wrapped = new QueryFailedError('UPDATE tasks', [], withCode('57P01'));
    expect(isTransientSqlError(wrapped)).toBe(true);
    const hidden = Object.assign(new Error('query failed'), {
      driverError: new Error('Connection terminated'),
    });
    expect(isTransientSqlError(hidden)).toBe(true);
  });

  it('recognises what better-sqlite3 really throws when another connection holds the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sql-retry-'));
    const holder = new Database(join(dir, 'db.sqlite'));
    const writer = new Database(join(dir, 'db.sqlite'), { timeout: 0 });
    try {
      holder.pragma('journal_mode = WAL');
      holder.exec('CREATE TABLE t (x INTEGER)');
      holder.exec('BEGIN IMMEDIATE');
      let thrown: unknown;
      try {
        writer.exec('INSERT INTO t VALUES (1)');
      } catch (error) {
        thrown = error;
      }
      // Not toBeInstanceOf(Error): the addon's errors may come from another realm than jest's.
      expect((thrown as { code?: string } | undefined)?.code).toMatch(/^SQLITE_BUSY/);
      expect(isTransientSqlError(thrown)).toBe(true);
      holder.exec('COMMIT');
    } finally {
      writer.close();
      holder.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlRetryDelay', () => {
  const policy: SqlRetryPolicy = { attempts: 10, delayMs: 100 };

  it('doubles from delayMs, between half and all of each step', () => {
    expect([1, 2, 3, 4].map((retry) => sqlRetryDelay(policy, retry, () => 0.999999))).toEqual([
      100, 200, 400, 800,
    ]);
    expect([1, 2, 3, 4].map((retry) => sqlRetryDelay(policy, retry, () => 0))).toEqual([
      50, 100, 200, 400,
    ]);
  });

  it('never waits longer than the cap', () => {
    expect(sqlRetryDelay(policy, 30, () => 0.999999)).toBe(MAX_SQL_RETRY_DELAY_MS);
    expect(sqlRetryDelay({ attempts: 3, delayMs: 8000 }, 3, () => 0.999999)).toBe(8000);
  });
});

describe('withSqlRetry', () => {
  const policy: SqlRetryPolicy = { attempts: 4, delayMs: 100 };

  function harness() {
    const warnings: Record<string, unknown>[] = [];
    const waits: number[] = [];
    return {
      warnings,
      waits,
      options: {
        what: 'mark task SUCCESS',
        policy,
        logger: { warn: (line: Record<string, unknown>) => warnings.push(line) },
        context: { task_id: 't1' },
        sleep: async (ms: number) => void waits.push(ms),
      },
    };
  }

  it('returns at once when the first try works, logging nothing', async () => {
    const { options, warnings, waits } = harness();
    await expect(withSqlRetry(async () => 'done', options)).resolves.toBe('done');
    expect([warnings, waits]).toEqual([[], []]);
  });

  it('retries transient failures with backoff, logging each retry, until one works', async () => {
    const { options, warnings, waits } = harness();
    const tries: number[] = [];
    const result = await withSqlRetry(async (attempt) => {
      tries.push(attempt);
      if (attempt < 3) throw withCode('SQLITE_BUSY', 'database is locked');
      return attempt;
    }, options);

    expect(result).toBe(3);
    expect(tries).toEqual([1, 2, 3]);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
    expect(warnings).toEqual([
      {
        task_id: 't1',
        msg: 'SQL retried: mark task SUCCESS',
        attempt: 1,
        attempts: 4,
        delay_ms: waits[0],
        error: 'database is locked',
        code: 'SQLITE_BUSY',
      },
      expect.objectContaining({ attempt: 2, delay_ms: waits[1] }),
    ]);
  });

  it('gives up after the last try and throws its error', async () => {
    const { options, warnings } = harness();
    let tries = 0;
    const lastError = withCode('57P01', 'terminating connection due to administrator command');
    await expect(
      withSqlRetry(async () => {
        tries++;
        throw lastError;
      }, options),
    ).rejects.toBe(lastError);
    expect(tries).toBe(4);
    expect(warnings).toHaveLength(3);
  });

  it('never retries an error that is not transient', async () => {
    const { options, warnings } = harness();
    let tries = 0;
    const violation = withCode('23505', 'duplicate key value violates unique constraint');
    await expect(
      withSqlRetry(async () => {
        tries++;
        throw violation;
      }, options),
    ).rejects.toBe(violation);
    expect([tries, warnings]).toEqual([1, []]);
  });
});
