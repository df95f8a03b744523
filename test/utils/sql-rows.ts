import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import { DatabaseEnv, TEST_POSTGRES_URL } from './databases';

/**
 * Runs one read-only query on a suite's database (its SQLite file under dataDir, or its
 * PostgreSQL schema), with unqualified table names and positional `?` parameters.
 */
export async function sqlRows<T = Record<string, unknown>>(
  database: DatabaseEnv,
  dataDir: string,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'), { readonly: true });
    try {
      return db.prepare(sql).all(...parameters) as T[];
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${database.schema}"`);
    let index = 0;
    const result = await client.query(
      sql.replace(/\?/g, () => `$${++index}`),
      parameters,
    );
    return result.rows as T[];
  } finally {
    await client.end();
  }
}
