import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import { DatabaseEnv, TEST_POSTGRES_URL } from './databases';
import { waitFor } from './wait-for';

/** What the fault suites check of a task, read from SQL itself rather than through the API. */
export interface TaskRow {
  id: string;
  status: string;
  attempts: number;
  progress: number;
  started: boolean;
  completed: boolean;
  hasResult: boolean;
}

const COLUMNS = `id, status, attempts, progress, started_at IS NOT NULL AS started,
  completed_at IS NOT NULL AS completed, result_data IS NOT NULL AS has_result`;

interface RawRow {
  id: string;
  status: string;
  attempts: number | string;
  progress: number | string;
  started: number | boolean;
  completed: number | boolean;
  has_result: number | boolean;
}

const toRow = (raw: RawRow): TaskRow => ({
  id: raw.id,
  status: raw.status,
  attempts: Number(raw.attempts),
  progress: Number(raw.progress),
  started: Boolean(raw.started),
  completed: Boolean(raw.completed),
  hasResult: Boolean(raw.has_result),
});

/** Every task row of a suite's database (its SQLite file under dataDir, or its schema). */
export async function readTaskRows(database: DatabaseEnv, dataDir: string): Promise<TaskRow[]> {
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'), { readonly: true });
    try {
      return (db.prepare(`SELECT ${COLUMNS} FROM tasks`).all() as RawRow[]).map(toRow);
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<RawRow>(`SELECT ${COLUMNS} FROM "${database.schema}".tasks`);
    return result.rows.map(toRow);
  } finally {
    await client.end();
  }
}

const TERMINAL = new Set(['SUCCESS', 'FAILED', 'CANCELLED']);

/** Where a set of accepted tasks ended up, counted from their rows. */
export interface Settlement {
  /** When every task had finished, or when the deadline passed. */
  settledAt: number;
  rows: TaskRow[];
  /** Accepted (answered 200) but without a row. */
  lost: string[];
  /** Not finished by the deadline. */
  stuck: string[];
  /** Finished, but not SUCCESS. */
  notSucceeded: TaskRow[];
  /** Runs beyond the first, over all the tasks. */
  reExecutions: number;
}

/**
 * Waits until every task in `ids` has finished, up to `timeoutMs`, then counts what happened to
 * them. It never throws on the deadline: a suite records its figures first, then asserts.
 */
export async function settleTasks(
  read: () => Promise<TaskRow[]>,
  ids: string[],
  timeoutMs: number,
): Promise<Settlement> {
  let rows: TaskRow[] = [];
  const wanted = new Set(ids);
  await waitFor(
    `${ids.length} tasks to finish`,
    async () => {
      rows = (await read()).filter((row) => wanted.has(row.id));
      return rows.length === wanted.size && rows.every((row) => TERMINAL.has(row.status));
    },
    { timeoutMs, intervalMs: 500 },
  ).catch(() => undefined);
  const settledAt = Date.now();
  const found = new Set(rows.map((row) => row.id));
  return {
    settledAt,
    rows,
    lost: ids.filter((id) => !found.has(id)),
    stuck: rows.filter((row) => !TERMINAL.has(row.status)).map((row) => row.id),
    notSucceeded: rows.filter((row) => TERMINAL.has(row.status) && row.status !== 'SUCCESS'),
    reExecutions: rows.reduce((sum, row) => sum + Math.max(0, row.attempts - 1), 0),
  };
}
