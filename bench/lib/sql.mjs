// Direct SQL access to a benchmark's tasks table, on SQLite (better-sqlite3) or PostgreSQL (pg),
// so that completion is read from the source of truth rather than from the API under test.
import { requireFromProject } from './service.mjs';

/** The columns of the project's tasks migration, for the bare runs that have no migrations. */
const TASKS_DDL = (timestamp) => `CREATE TABLE IF NOT EXISTS tasks (
  id varchar(36) PRIMARY KEY, task_type varchar(32) NOT NULL, status varchar(16) NOT NULL,
  created_at ${timestamp} NOT NULL, started_at ${timestamp}, completed_at ${timestamp},
  progress real NOT NULL DEFAULT 0, input_params text NOT NULL, result_data text,
  error_message text, attempts integer NOT NULL DEFAULT 0, retry_of varchar(36));
CREATE INDEX IF NOT EXISTS idx_tasks_created_at ON tasks (created_at, id);
CREATE INDEX IF NOT EXISTS idx_tasks_status_created_at ON tasks (status, created_at, id);
CREATE INDEX IF NOT EXISTS idx_tasks_type_created_at ON tasks (task_type, created_at, id)`;

/** Opens the store's database; `query(sql, params)` returns rows on either engine. */
export async function openSql(store) {
  if (store.kind === 'postgres') {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({
      connectionString: store.env.DATABASE_URL,
      max: 10,
      options: `-c search_path=${store.env.DATABASE_SCHEMA}`,
    });
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${store.env.DATABASE_SCHEMA}"`);
    return {
      kind: 'postgres',
      query: async (sql, params = []) => (await pool.query(toPg(sql), params)).rows,
      createTasksTable: () => pool.query(TASKS_DDL('timestamp')),
      // Milliseconds since the epoch of a timestamp column; the service writes UTC.
      epochMs: (column) => `(EXTRACT(EPOCH FROM ${column}) * 1000)`,
      close: () => pool.end(),
    };
  }
  const Database = requireFromProject('better-sqlite3');
  const db = new Database(store.sqlitePath);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma('synchronous = NORMAL');
  return {
    kind: 'sqlite',
    db,
    query: async (sql, params = []) => {
      const statement = db.prepare(sql);
      return statement.reader ? statement.all(...params) : (statement.run(...params), []);
    },
    createTasksTable: async () => db.exec(TASKS_DDL('datetime')),
    epochMs: (column) => `((julianday(${column}) - 2440587.5) * 86400000.0)`,
    close: async () => db.close(),
  };
}

/** `?` placeholders to PostgreSQL's `$1, $2…`, so each statement is written once. */
function toPg(sql) {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The SQL timestamp text both engines accept and TypeORM writes: 'YYYY-MM-DD HH:MM:SS.SSS'. */
export const sqlTimestamp = (date) => date.toISOString().replace('T', ' ').replace('Z', '');

/** Count of SUCCESS and FAILED rows and the last completion time (epoch ms). */
export async function completion(sql) {
  const [row] = await sql.query(
    `SELECT SUM(CASE WHEN status = 'SUCCESS' THEN 1 ELSE 0 END) AS done,
            SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
            MAX(${sql.epochMs('completed_at')}) AS last_ms
       FROM tasks`,
  );
  return {
    done: Number(row.done ?? 0),
    failed: Number(row.failed ?? 0),
    lastMs: Number(row.last_ms),
  };
}
