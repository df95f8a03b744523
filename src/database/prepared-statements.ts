import { createHash } from 'node:crypto';

/** Texts kept prepared at most, so that a bug building texts per call cannot fill a session. */
export const MAX_PREPARED_TEXTS = 256;

const names = new Map<string, string>();

/**
 * Marks a statement text, built once per process and run for every task, to be sent as a named
 * prepared statement on PostgreSQL (PreparingPgClient): each pooled session then parses and
 * plans it on its first run only. Planning an UPDATE of the tasks table, with its fifteen
 * indexes and counts trigger, cost the server about as much as running it. SQLite needs
 * nothing: better-sqlite3 keeps its prepared statements by text already. Returns the text.
 */
export function keepPrepared(sql: string): string {
  if (!names.has(sql) && names.size < MAX_PREPARED_TEXTS) {
    // From the text, so that one text has one name and two never share one in a session
    // (node-postgres refuses a name sent with a second text).
    names.set(sql, `conveyor_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`);
  }
  return sql;
}

/** The name `sql` is prepared under, or undefined when it is sent as it is. */
export function preparedNameOf(sql: string): string | undefined {
  return names.get(sql);
}
