// Many task rows, fast, into a migrated database: what the listing benchmarks search. Row g
// (0 … count-1) is the same on SQLite and PostgreSQL: its id is md5(g) as a UUID, its type
// and status cycle, one in ten has a priority other than the default, 15 % FAILED with an error
// text from three templates (so "quota exceeded" is in 5 % of the rows), and input_params
// holds a note unique to the row ("batch-<g>"). created_at spreads the rows evenly over the 90
// days up to now, oldest first, as a live service writes them.
//
// Row by row through the indexes and the counters' and FTS5 triggers, 1,000,000 rows take tens
// of minutes; so the tasks table's secondary indexes and triggers are dropped (SQLite) or
// dropped and disabled (PostgreSQL) for the load, the rows go in with one statement per
// batch, then the indexes are built once over them, the triggers come back, the counters are
// recomputed once and the FTS5 index is rebuilt once.
import { createHash } from 'node:crypto';

export const LOADED_PROJECT = 'bench';
export const SPREAD_MS = 90 * 24 * 3600 * 1000;
const TYPES = ['csv_processing', 'email_sending', 'image_processing'];
const ERRORS = [
  'Disk quota exceeded on volume ',
  'SMTP 550 mailbox unavailable for user',
  'Timed out after 3600 s, run ',
];

/** The id of row g: md5 of its number, written as a UUID (as PostgreSQL's md5(g)::uuid). */
export function rowId(g) {
  const hex = createHash('md5').update(String(g)).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** created_at of row g (epoch ms) when `count` rows end at `endMs`. */
export const rowCreatedMs = (g, count, endMs) =>
  endMs - SPREAD_MS + Math.floor((g * SPREAD_MS) / count);

/**
 * Loads `count` rows into the store's migrated tasks table; `sql` is from openSql. Returns the
 * seconds taken by each step.
 */
export async function loadTaskRows(sql, count, endMs = Date.now()) {
  return sql.kind === 'postgres'
    ? loadPostgres(sql, count, endMs)
    : loadSqlite(sql.db, count, endMs);
}

const seconds = (since) => Number(((Date.now() - since) / 1000).toFixed(1));

function loadSqlite(db, count, endMs) {
  const steps = {};
  let began = Date.now();
  const schema = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
        WHERE tbl_name = 'tasks' AND type IN ('index', 'trigger') AND sql IS NOT NULL`,
    )
    .all();
  for (const { type, name } of schema) db.exec(`DROP ${type.toUpperCase()} "${name}"`);
  const insert = db.prepare(`INSERT INTO tasks
    (id, task_type, status, created_at, started_at, completed_at, progress, input_params,
     result_data, error_message, attempts, project, priority)
    VALUES (?, ?, ?, ?, ?, ?, 100, ?, ?, ?, 1, ?, ?)`);
  const stamp = (ms) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  db.transaction(() => {
    for (let g = 0; g < count; g++) {
      const slot = g % 20;
      const status = slot < 14 ? 'SUCCESS' : slot < 17 ? 'FAILED' : 'CANCELLED';
      const created = rowCreatedMs(g, count, endMs);
      insert.run(
        rowId(g),
        TYPES[g % 3],
        status,
        stamp(created),
        stamp(created + 50),
        stamp(created + 1000),
        `{"num_rows":${g % 10000},"note":"batch-${g}"}`,
        status === 'SUCCESS' ? '{"total_rows":1000,"processed_rows":1000}' : null,
        status === 'FAILED' ? ERRORS[g % 3] + (g % 9973) : null,
        LOADED_PROJECT,
        g % 10 === 0 ? Math.floor(g / 10) % 11 : 5,
      );
    }
  })();
  steps.insert = seconds(began);
  began = Date.now();
  for (const { type, sql } of schema) if (type === 'index') db.exec(sql);
  steps.indexes = seconds(began);
  began = Date.now();
  for (const { type, sql } of schema) if (type === 'trigger') db.exec(sql);
  db.exec(RECOUNT);
  const fts = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'tasks_fts'`).get();
  if (fts) db.exec(`INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`);
  steps.fts = seconds(began);
  began = Date.now();
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  steps.analyze = seconds(began);
  return steps;
}

/** The counters, recomputed from the rows in one statement (all in slot 0). */
const RECOUNT = `DELETE FROM task_counts;
  INSERT INTO task_counts (project, status, task_type, slot, count)
  SELECT project, status, task_type, 0, COUNT(*) FROM tasks GROUP BY project, status, task_type`;

async function loadPostgres(sql, count, endMs) {
  const steps = {};
  let began = Date.now();
  const indexes = await sql.query(
    `SELECT i.indexname AS name, i.indexdef AS def FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = 'tasks'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
  );
  for (const { name } of indexes) await sql.query(`DROP INDEX "${name}"`);
  await sql.query('ALTER TABLE tasks DISABLE TRIGGER USER');
  const endSeconds = endMs / 1000;
  const spreadSeconds = SPREAD_MS / 1000;
  await sql.query(
    `INSERT INTO tasks (id, task_type, status, created_at, started_at, completed_at, progress,
       input_params, result_data, error_message, attempts, project, priority)
     SELECT md5(g::text)::uuid::text,
       (ARRAY['${TYPES.join("','")}'])[1 + g % 3],
       CASE WHEN g % 20 < 14 THEN 'SUCCESS' WHEN g % 20 < 17 THEN 'FAILED' ELSE 'CANCELLED' END,
       c, c + interval '50 milliseconds', c + interval '1 second', 100,
       '{"num_rows":' || (g % 10000) || ',"note":"batch-' || g || '"}',
       CASE WHEN g % 20 < 14 THEN '{"total_rows":1000,"processed_rows":1000}' END,
       CASE WHEN g % 20 BETWEEN 14 AND 16 THEN
         (ARRAY['${ERRORS.join("','")}'])[1 + g % 3] || (g % 9973) END,
       1, '${LOADED_PROJECT}', CASE WHEN g % 10 = 0 THEN (g / 10) % 11 ELSE 5 END
     FROM generate_series(0, ${count - 1}) AS g,
       LATERAL (SELECT (to_timestamp(${endSeconds - spreadSeconds} + floor(g::numeric * ${SPREAD_MS} / ${count}) / 1000)
                AT TIME ZONE 'UTC') AS c) AS t`,
  );
  steps.insert = seconds(began);
  began = Date.now();
  // One text each (simple protocol): the setting holds on the connection that builds the index.
  for (const { def } of indexes) await sql.query(`SET maintenance_work_mem = '512MB'; ${def}`);
  steps.indexes = seconds(began);
  began = Date.now();
  await sql.query('ALTER TABLE tasks ENABLE TRIGGER USER');
  await sql.query(RECOUNT);
  steps.counters = seconds(began);
  began = Date.now();
  // The visibility map too, so that counts can be answered from the indexes alone.
  await sql.query('VACUUM ANALYZE tasks');
  steps.analyze = seconds(began);
  return steps;
}
