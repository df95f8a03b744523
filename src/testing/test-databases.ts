import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { buildDataSourceOptions, ENTITIES, ensureSchema } from '../database/data-source';
import { MIGRATIONS } from '../database/migrations';

/** The PostgreSQL server the tests use; CI starts it, so a spec that needs it fails without it. */
export const TEST_POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabaseKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  config: AppConfig;
  dataSource: DataSource;
  /** Closes the connection and removes what was created (the SQLite file, the PG schema). */
  drop(): Promise<void>;
}

/**
 * A migrated database of its own for one spec: a SQLite file in a fresh folder, or a fresh
 * PostgreSQL schema, each reached the way the service reaches it.
 */
export async function openTestDatabase(
  kind: TestDatabaseKind,
  env: Record<string, string> = {},
): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-unit-'));
  const schema = `conveyor_unit_${randomBytes(6).toString('hex')}`;
  const config = new AppConfig(
    validateEnv({
      DATA_DIR: dataDir,
      ...(kind === 'postgres' ? { DATABASE_URL: TEST_POSTGRES_URL, DATABASE_SCHEMA: schema } : {}),
      ...env,
    }),
  );
  await ensureSchema(config);
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  return {
    config,
    dataSource,
    drop: async () => {
      if (kind === 'postgres') await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A migrated in-memory SQLite database: the quickest real schema, for specs that own it alone. */
export async function openMemoryDatabase(): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
  });
  return dataSource.initialize();
}
