import { SelectQueryBuilder } from 'typeorm';
import type { TaskFilter } from './task-store';
import type { SearchedColumns } from './trigram-sample';

/** Where a keyset page starts: just after (older than) this row in the newest-first order. */
export interface TaskCursor {
  createdAt: Date;
  id: string;
}

/** The database, and on SQLite whether the FTS5 text index (tasks_fts) is there. */
export type SqlDialect = 'postgres' | 'sqlite' | 'sqlite-fts5';

/**
 * How `q`'s text is looked for on SQLite with FTS5: through the FTS5 index ('index'), among the
 * rows FTS5 has already been asked for (`rowids`: a rare text, every match known, looked up by
 * rowid and sorted), or by LIKE on the rows as the newest-first index walks them ('scan': stops
 * after a page of matches, cheap for a common text). PostgreSQL's planner makes that choice
 * itself between the trigram and the created_at indexes; there `narrowedTo` names, per column,
 * the part of `q` its trigram index is asked for instead of the whole (see trigram-narrowing.ts;
 * null: the whole). Without FTS5 it is always a scan.
 */
export type TextSearch =
  'index' | 'scan' | { rowids: readonly number[] } | { narrowedTo: SearchedColumns<string | null> };

/** Each filter field, one line each: a new filter is one more entry here. */
type FilterClause = (
  query: SelectQueryBuilder<object>,
  filter: TaskFilter,
  dialect: SqlDialect,
  text: TextSearch,
) => void;

const FILTER_CLAUSES: readonly FilterClause[] = [
  (query, f) => f.status && query.andWhere('task.status = :status', { status: f.status }),
  (query, f) =>
    f.taskType && query.andWhere('task.task_type = :taskType', { taskType: f.taskType }),
  (query, f) => f.retryOf && query.andWhere('task.retry_of = :retryOf', { retryOf: f.retryOf }),
  (query, f) =>
    f.priority !== undefined &&
    query.andWhere('task.priority = :priority', { priority: f.priority }),
  (query, f) =>
    f.scheduleId && query.andWhere('task.schedule_id = :scheduleId', { scheduleId: f.scheduleId }),
  (query, f) =>
    f.createdAfter && query.andWhere('task.created_at >= :after', { after: f.createdAfter }),
  (query, f) =>
    f.createdBefore && query.andWhere('task.created_at < :before', { before: f.createdBefore }),
  (query, f, dialect, text) => f.q && applyText(query, f.q, dialect, text),
];

/**
 * A count that the counters cannot answer (a date range, priority, retry_of, schedule_id) stops
 * after this many matching rows: past it, `total` is this figure and a lower bound. Reading
 * 10,000 index entries costs about a millisecond; counting every match of a wide date range at
 * 1,000,000 rows costs 100–700 ms.
 */
export const COUNT_CAP = 10_000;

/**
 * On SQLite with FTS5, a text found in more rows than this (in the whole table) is looked for
 * by scanning newest first rather than through FTS5. Collecting and sorting M matches costs about
 * 7 µs each; scanning costs about 1 µs per row read, 51 × N / M rows for a page of 50 out of N:
 * the two meet near M = 2,700 at N = 1,000,000 (bench/list-at-scale.mjs).
 */
export const FTS_COMMON_MATCHES = 2_000;

/**
 * Narrows `query` (aliased `task`) to `project` (undefined: every project) and the filter.
 * The caller has already resolved the project against the caller's scope.
 */
export function applyTaskFilter<T extends object>(
  query: SelectQueryBuilder<T>,
  project: string | undefined,
  filter: TaskFilter,
  dialect: SqlDialect,
  text: TextSearch = 'index',
): SelectQueryBuilder<T> {
  if (project !== undefined) query.andWhere('task.project = :project', { project });
  for (const clause of FILTER_CLAUSES) clause(query, filter, dialect, text);
  return query;
}

/** True when the filter needs more than the per-project, status and type counters to count. */
export const needsRowCount = (filter: TaskFilter): boolean =>
  // The counters have no priority or schedule dimension: such filters count rows too.
  Boolean(
    filter.retryOf ||
    filter.q ||
    filter.createdAfter ||
    filter.createdBefore ||
    filter.priority !== undefined ||
    filter.scheduleId,
  );

/** True when FTS5 can look for `q` (its trigram tokenizer needs 3 characters or more). */
export const ftsCanSearch = (q: string, dialect: SqlDialect): boolean =>
  dialect === 'sqlite-fts5' && [...q].length >= 3;

/**
 * `q`: ids starting with it (when it can begin an id), or text found in error_message or
 * input_params, in any letter case. On PostgreSQL ILIKE, which the trigram indexes serve; on
 * SQLite the FTS5 trigram index (a phrase there matches any substring, as LIKE '%text%' does) or
 * the rowids it gave, when q has 3 characters or more, else LIKE, which is case-insensitive for
 * ASCII already.
 */
function applyText(
  query: SelectQueryBuilder<object>,
  q: string,
  dialect: SqlDialect,
  text: TextSearch,
): void {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  const range = idPrefixRange(q);
  if (range) {
    parts.push('(task.id >= :qFrom AND task.id < :qTo)');
    [params.qFrom, params.qTo] = range;
  }
  if (typeof text === 'object' && 'rowids' in text) {
    parts.push('task.rowid IN (SELECT value FROM json_each(:qRowids))');
    params.qRowids = JSON.stringify(text.rowids);
  } else if (typeof text === 'object') {
    params.qText = `%${escapeLike(q)}%`;
    const columns = [
      ['error_message', 'qErrorPart', text.narrowedTo.errorMessage],
      ['input_params', 'qInputPart', text.narrowedTo.inputParams],
    ] as const;
    for (const [column, name, part] of columns) {
      if (part === null) {
        parts.push(`task.${column} ILIKE :qText ESCAPE '\\'`);
        continue;
      }
      // ILIKE as PostgreSQL runs it, on an expression the trigram index cannot serve: the
      // index is asked for the part alone, and each row it gives is checked for all of q.
      parts.push(
        `(task.${column} ILIKE :${name} ESCAPE '\\' AND ` +
          `lower(task.${column}) LIKE lower(:qText) ESCAPE '\\')`,
      );
      params[name] = `%${escapeLike(part)}%`;
    }
  } else if (text === 'index' && ftsCanSearch(q, dialect)) {
    parts.push('task.rowid IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH :qMatch)');
    params.qMatch = ftsPhrase(q);
  } else {
    const like = dialect === 'postgres' ? 'ILIKE' : 'LIKE';
    parts.push(
      `task.error_message ${like} :qText ESCAPE '\\'`,
      `task.input_params ${like} :qText ESCAPE '\\'`,
    );
    params.qText = `%${escapeLike(q)}%`;
  }
  query.andWhere(`(${parts.join(' OR ')})`, params);
}

/** `text` as one FTS5 phrase: every character literal. */
export const ftsPhrase = (text: string): string => `"${text.replace(/"/g, '""')}"`;

/** LIKE's wildcards and its escape character, taken literally. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The ids beginning with `q`, as a range of the primary key [from, to): usable by the index
 * on either database, unlike a LIKE on a varchar. Null when `q` cannot begin a stored id
 * (lower-case hex digits and dashes; any letter case is accepted and lowered).
 */
export function idPrefixRange(q: string): [string, string] | null {
  const prefix = q.toLowerCase();
  if (!/^[0-9a-f-]{1,36}$/.test(prefix)) return null;
  const last = prefix.charCodeAt(prefix.length - 1);
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1)];
}

/** The next page's cursor: opaque to clients, base64url of the last row's key. */
export function encodeCursor(cursor: TaskCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString(
    'base64url',
  );
}

const CURSOR_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The cursor a client sent back, or null when it is not one this service made. */
export function decodeCursor(text: string): TaskCursor | null {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return null;
  const [at, id] = parsed as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !CURSOR_ID.test(id)) return null;
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return null;
  return { createdAt, id };
}
