import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Which SQL database this e2e run targets: TEST_DATABASE=sqlite (default) or postgres. */
export type TestDatabase = 'sqlite' | 'postgres';

export const TEST_DATABASE: TestDatabase =
  process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

/** The PostgreSQL server the tests use; CI starts it (see .ci/run). */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface DatabaseEnv {
  kind: TestDatabase;
  /** The PostgreSQL schema the suite's service uses; undefined on SQLite. */
  schema?: string;
  env: Record<string, string>;
  /** Drops what the run created (the PostgreSQL schema); SQLite files go with DATA_DIR. */
  drop(): Promise<void>;
}

/** A fresh, private database for one suite: its own SQLite file, or its own PostgreSQL schema. */
export function isolatedDatabase(kind: TestDatabase = TEST_DATABASE): DatabaseEnv {
  if (kind === 'sqlite') return { kind, env: {}, drop: async () => undefined };
  const schema = `conveyor_test_${randomBytes(6).toString('hex')}`;
  return {
    kind,
    schema,
    env: { DATABASE_URL: TEST_POSTGRES_URL, DATABASE_SCHEMA: schema },
    drop: async () => {
      const client = new Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
