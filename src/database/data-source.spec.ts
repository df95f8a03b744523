import { Client } from 'pg';
import { QueryRunner } from 'typeorm';
import { SessionEndingProxy } from '../testing/session-ending-proxy';
import { openTestDatabase, TEST_POSTGRES_URL, TestDatabase } from '../testing/test-databases';
import { isTransientSqlError, withSqlRetry } from './sql-retry';

describe('the PostgreSQL pool with every connection taken', () => {
  let database: TestDatabase;
  let holder: QueryRunner;

  beforeAll(async () => {
    database = await openTestDatabase('postgres', {
      DATABASE_POOL_SIZE: '1',
      DATABASE_CONNECT_TIMEOUT_MS: '200',
    });
  });

  beforeEach(async () => {
    holder = database.dataSource.createQueryRunner();
    await holder.connect();
  });

  afterEach(async () => {
    if (!holder.isReleased) await holder.release();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('fails a statement after DATABASE_CONNECT_TIMEOUT_MS with an error the retries take up', async () => {
    const error: unknown = await database.dataSource.query('SELECT 1').then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/timeout exceeded when trying to connect/);
    expect(isTransientSqlError(error)).toBe(true);
  });

  it('lets a retried write through once the connection is given back', async () => {
    const warnings: Record<string, unknown>[] = [];
    let tries = 0;
    const write = withSqlRetry(
      async () => {
        tries++;
        return database.dataSource.query<{ one: number }[]>('SELECT 1 AS one');
      },
      {
        what: 'a write behind a full pool',
        policy: { attempts: 3, delayMs: 10 },
        logger: {
          // Told of the first try's failure: the connection is given back before the next.
          warn: (line) => {
            warnings.push(line);
            void holder.release();
          },
        },
      },
    );
    await expect(write).resolves.toEqual([{ one: 1 }]);
    expect(tries).toBe(2);
    expect(warnings).toHaveLength(1);
  });
});

describe('a PostgreSQL session the server ends just as it becomes ready', () => {
  let database: TestDatabase;
  let proxy: SessionEndingProxy;
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    const url = new URL(TEST_POSTGRES_URL);
    proxy = new SessionEndingProxy({ host: url.hostname, port: Number(url.port || 5432) }, (pid) =>
      admin.query('SELECT pg_terminate_backend($1)', [pid]),
    );
    url.host = `127.0.0.1:${await proxy.listen()}`; // the same database, through the proxy
    database = await openTestDatabase('postgres', { DATABASE_URL: url.toString() });
  });

  afterAll(async () => {
    await database?.drop();
    await proxy?.close();
    await admin?.end();
  });

  it('fails only the statement that meets it, with an error the retries take up', async () => {
    // The pool's one idle client is held, so the statement below needs a new session.
    const holder = database.dataSource.createQueryRunner();
    await holder.connect();
    proxy.arm();
    const warnings: Record<string, unknown>[] = [];
    const read = withSqlRetry(
      () => database.dataSource.query<{ one: number }[]>('SELECT 1 AS one'),
      {
        what: 'a read on a session ended at start',
        policy: { attempts: 3, delayMs: 10 },
        logger: { warn: (line) => warnings.push(line) },
      },
    );
    // Before the fix the process died here: an 'error' event that nothing listened to.
    await expect(read).resolves.toEqual([{ one: 1 }]);
    await holder.release();
    expect(proxy.ended).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].error)).toMatch(/not queryable|terminat/i);
  });
});
