import { QueryRunner } from 'typeorm';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
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
