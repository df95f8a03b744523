import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the search of GET /api/tasks/ (§10). The date range and the cursor need none of
 * their own: they are ranges over created_at, id, the tail of every project index already
 * there. An id prefix is a range of the primary key. `q`'s text is found on PostgreSQL through
 * trigram indexes (pg_trgm), which serve ILIKE '%text%'; where the extension cannot be created
 * (no right to, not installed) the migration goes on without them and the search scans. On
 * SQLite, an FTS5 table with the trigram tokenizer does the same (see bench/RESULTS.md for what
 * each costs).
 */
export class SearchTasks1764600000400 implements MigrationInterface {
  name = 'SearchTasks1764600000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') {
      await sqliteTextIndex(queryRunner);
      return;
    }
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
    if (queryRunner.connection.driver.options.type !== 'postgres') {
      for (const name of ['insert', 'update', 'delete'])
        await queryRunner.query(`DROP TRIGGER IF EXISTS tasks_fts_on_${name}`);
      await queryRunner.query(`DROP TABLE IF EXISTS tasks_fts`);
      return;
    }
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

/**
 * SQLite: an FTS5 index of error_message and input_params, trigram-tokenised so that a phrase
 * matches any substring of 3 characters or more in any letter case, as LIKE '%text%' does. It
 * holds no copy of the text (content='tasks') and is kept by triggers, keyed by the table's
 * rowid. The service never runs VACUUM, which may renumber the rowids of a table without an
 * INTEGER PRIMARY KEY; whoever does, or a later migration that rebuilds the table (and so drops
 * its triggers), must then recreate the triggers and run
 * `INSERT INTO tasks_fts(tasks_fts) VALUES('rebuild')`.
 */
async function sqliteTextIndex(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`CREATE VIRTUAL TABLE tasks_fts USING fts5(
    error_message, input_params, content='tasks', tokenize='trigram case_sensitive 0')`);
  const add = `INSERT INTO tasks_fts (rowid, error_message, input_params)
    VALUES (NEW.rowid, NEW.error_message, NEW.input_params);`;
  const remove = `INSERT INTO tasks_fts (tasks_fts, rowid, error_message, input_params)
    VALUES ('delete', OLD.rowid, OLD.error_message, OLD.input_params);`;
  await queryRunner.query(
    `CREATE TRIGGER tasks_fts_on_insert AFTER INSERT ON tasks BEGIN ${add} END`,
  );
  await queryRunner.query(
    `CREATE TRIGGER tasks_fts_on_delete AFTER DELETE ON tasks BEGIN ${remove} END`,
  );
  await queryRunner.query(`CREATE TRIGGER tasks_fts_on_update AFTER UPDATE OF error_message, input_params
    ON tasks BEGIN ${remove} ${add} END`);
  await queryRunner.query(`INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`);
}
