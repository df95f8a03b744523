import { Logger } from '@nestjs/common';
import { Client, QueryResult } from 'pg';
import { EVERY_PROJECT } from '../core/project';
import { openTestDatabase, TEST_POSTGRES_URL, TestDatabase } from '../testing/test-databases';
import { keepPrepared, MAX_PREPARED_TEXTS, preparedNameOf } from './prepared-statements';
import { PreparingPgClient } from './preparing-pg-client';
import { isTransientSqlError } from './sql-retry';
import { TaskStore } from './task-store';
import { Task } from './task.entity';

describe('keepPrepared', () => {
  it('names a marked text from the text itself, and leaves others unnamed', () => {
    const update = 'UPDATE probe SET label = $1 WHERE id = $2';
    expect(keepPrepared(update)).toBe(update);
    expect(preparedNameOf(update)).toMatch(/^conveyor_[0-9a-f]{24}$/);
    expect(preparedNameOf(`${update} AND id > 0`)).toBeUndefined();
    keepPrepared(`${update} AND id > 0`);
    expect(preparedNameOf(`${update} AND id > 0`)).not.toBe(preparedNameOf(update));
  });
});

describe('PreparingPgClient', () => {
  // Typed as pg's Client: the override answers `any`, the overloads say what each call gives.
  let client: Client;
  /** The statements this client's session holds prepared. */
  const prepared = async () =>
    (
      await client.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements ORDER BY name',
      )
    ).rows;

  beforeAll(async () => {
    client = new PreparingPgClient({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  it('sends a marked text as a statement prepared once, and answers as for any query', async () => {
    const read = keepPrepared('SELECT $1::int + 1 AS next');
    expect((await client.query(read, [1])).rows).toEqual([{ next: 2 }]);
    expect((await client.query(read, [41])).rows).toEqual([{ next: 42 }]);
    expect(await prepared()).toEqual([{ name: preparedNameOf(read), statement: read }]);
  });

  it('sends other queries as they came: unmarked texts, configs and callbacks', async () => {
    const before = await prepared();
    expect((await client.query('SELECT $1::text AS echo', ['plain'])).rows).toEqual([
      { echo: 'plain' },
    ]);
    expect((await client.query({ text: 'SELECT 7 AS seven' })).rows).toEqual([{ seven: 7 }]);
    const viaCallback = await new Promise<QueryResult['rows']>((resolve, reject) =>
      client.query('SELECT 8 AS eight', (error: Error | null, result: QueryResult) =>
        error ? reject(error) : resolve(result.rows),
      ),
    );
    expect(viaCallback).toEqual([{ eight: 8 }]);
    expect(await prepared()).toEqual(before);
  });

  it('fails a marked statement with the server error, and the session goes on', async () => {
    const broken = keepPrepared('SELECT missing_column FROM pg_class WHERE oid = $1');
    await expect(client.query(broken, [1])).rejects.toMatchObject({ code: '42703' });
    const read = keepPrepared('SELECT $1::int * 2 AS twice');
    expect((await client.query(read, [21])).rows).toEqual([{ twice: 42 }]);
  });

  describe('when a migration changes what a prepared statement returns', () => {
    // A temporary table: the session's own, so the ALTER and the statement share it.
    const bump = keepPrepared('UPDATE stale_probe SET v = v + 1 WHERE id = $1 RETURNING v');
    const bumpNames = async () =>
      (await prepared()).filter(({ statement }) => statement === bump).map(({ name }) => name);

    beforeAll(async () => {
      await client.query('CREATE TEMP TABLE stale_probe (id int PRIMARY KEY, v int NOT NULL)');
      await client.query('INSERT INTO stale_probe VALUES (1, 1)');
      expect((await client.query(bump, [1])).rows).toEqual([{ v: 2 }]);
    });

    it('prepares the text again and retries it outside a transaction block', async () => {
      await client.query('ALTER TABLE stale_probe ALTER COLUMN v TYPE bigint');
      // bigint comes back as a string: the answer is the new plan's.
      expect((await client.query(bump, [1])).rows).toEqual([{ v: '3' }]);
      expect((await client.query(bump, [1])).rows).toEqual([{ v: '4' }]);
      expect(await bumpNames()).toEqual(
        expect.arrayContaining([preparedNameOf(bump), `${preparedNameOf(bump)}_1`]),
      );
    });

    it('fails inside a transaction block as the server said, and prepares anew after it', async () => {
      await client.query('ALTER TABLE stale_probe ALTER COLUMN v TYPE int');
      await client.query('BEGIN');
      await expect(client.query(bump, [1])).rejects.toMatchObject({
        code: '0A000',
        routine: 'RevalidateCachedQuery',
      });
      await client.query('ROLLBACK');
      expect((await client.query(bump, [1])).rows).toEqual([{ v: 5 }]);
      expect(await bumpNames()).toHaveLength(3);
    });
  });
});

/** The task both service tests insert. */
const CSV_TASK = {
  taskType: 'csv_processing' as const,
  inputParams: { num_rows: 1 },
  retryOf: null,
  project: 'default',
};

describe('the service on PostgreSQL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // One pooled session, so that what the store prepared can be read back from it.
    database = await openTestDatabase('postgres', { DATABASE_POOL_SIZE: '1' });
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it("prepares a task's INSERT and status UPDATEs, and a lost session's retry still lands", async () => {
    const store = new TaskStore(database.dataSource.getRepository(Task), database.config);
    const first = await store.insert(CSV_TASK);
    expect(await store.markRunning(first.id)).toBe(1);
    expect(await store.markSucceeded(first.id, { rows: 1 })).toBe(true);
    const statements: { statement: string }[] = await database.dataSource.query(
      'SELECT statement FROM pg_prepared_statements',
    );
    const count = (pattern: RegExp) =>
      statements.filter(({ statement }) => pattern.test(statement)).length;
    expect(count(/^INSERT INTO \S*"tasks" /)).toBe(1);
    // RUNNING, and SUCCESS with its progress.
    expect(count(/^UPDATE \S*"tasks" SET /)).toBe(2);

    // The session ends under the pool: its prepared statements go with it, and the next
    // session prepares them anew.
    await database.dataSource
      .query('SELECT pg_terminate_backend(pg_backend_pid())')
      .catch((error: unknown) => expect(isTransientSqlError(error)).toBe(true));
    const second = await store.insert(CSV_TASK);
    expect(await store.markRunning(second.id)).toBe(1);
    expect((await store.findById(second.id, EVERY_PROJECT))?.status).toBe('RUNNING');
  });
});

describe('the service on PostgreSQL with DATABASE_PREPARED_STATEMENTS=false', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase('postgres', {
      DATABASE_POOL_SIZE: '1',
      DATABASE_PREPARED_STATEMENTS: 'false',
    });
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('runs every statement unnamed, for a pooler that cannot carry prepared ones', async () => {
    const store = new TaskStore(database.dataSource.getRepository(Task), database.config);
    const task = await store.insert(CSV_TASK);
    expect(await store.markRunning(task.id)).toBe(1);
    expect(await store.markSucceeded(task.id, { rows: 1 })).toBe(true);
    expect((await store.findById(task.id, EVERY_PROJECT))?.status).toBe('SUCCESS');
    expect(await database.dataSource.query('SELECT name FROM pg_prepared_statements')).toEqual([]);
  });
});

// Last: the marks are the process's, and this fills them.
describe('keepPrepared at its bound', () => {
  it('stops marking new texts once MAX_PREPARED_TEXTS are marked', () => {
    for (let i = 0; i < MAX_PREPARED_TEXTS; i++) keepPrepared(`SELECT ${i} AS filler`);
    const late = keepPrepared('SELECT $1::int AS late');
    expect(preparedNameOf(late)).toBeUndefined();
  });
});
