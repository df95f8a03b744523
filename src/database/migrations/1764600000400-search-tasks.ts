import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the search of GET /api/tasks/ (§10). The date range and the cursor need none of
 * their own: they are ranges over created_at, id, the tail of every project index already
 * there. An id prefix is a range of the primary key. `q`'s text is found on PostgreSQL through
 * trigram indexes (pg_trgm), which serve ILIKE '%text%'; where the extension cannot be created
 * (no right to, not installed) the migration goes on without them and the search scans, as it
 * does on SQLite (see bench/RESULTS.md for what each costs).
 */
export class SearchTasks1764600000400 implements MigrationInterface {
  name = 'SearchTasks1764600000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    const schema = await trigramSchema(queryRunner);
    if (schema === null) return;
    const ops = `"${schema}".gin_trgm_ops`;
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_error_message_trgm ON tasks USING gin (error_message ${ops})`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_input_params_trgm ON tasks USING gin (input_params ${ops})`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_input_params_trgm`);
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_error_message_trgm`);
  }
}

/**
 * The schema pg_trgm lives in, creating it in `public` when it is not there yet (an extension
 * is one per database, so the schema must outlive any one service's); null when it cannot be
 * had. The attempt runs in a block of its own, so that a refusal leaves the migration's
 * transaction usable.
 */
async function trigramSchema(queryRunner: QueryRunner): Promise<string | null> {
  await queryRunner.query(`DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
      END IF;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm not available, text search will scan: %', SQLERRM;
    END $$`);
  const rows = (await queryRunner.query(
    `SELECT n.nspname AS schema FROM pg_extension e
       JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
  )) as { schema: string }[];
  return rows[0]?.schema ?? null;
}
