import { createHash } from 'node:crypto';

/** Text values longer than this many characters are counted by hash and never kept whole. */
export const MAX_KEPT_VALUE_CHARS = 1024;
/** How much of a long value a summary shows (top values, column names). */
export const SHOWN_VALUE_CHARS = 100;

/** Number.toLocaleString builds a formatter per call: slow for a value of every long cell. */
const COUNT = new Intl.NumberFormat('en-US');

/**
 * The first `chars` of `value` as a string of its own. A plain slice of a long string is a view
 * into it in V8, so keeping the slice would keep the whole value alive.
 */
function startOf(value: string, chars: number): string {
  return Buffer.from(value.slice(0, chars), 'utf16le').toString('utf16le');
}

/**
 * What a column keeps of a value over MAX_KEPT_VALUE_CHARS: its start, its length and a SHA-256
 * prefix. Two long values are counted as the same when their hashes agree, so distinct and top
 * values stay right while 300 distinct 1 MB values cost a few hundred bytes, not 300 MB.
 */
export function digestForm(value: string): string {
  const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
  return `${startOf(value, SHOWN_VALUE_CHARS)}… (${COUNT.format(value.length)} characters, sha256 ${hash})`;
}

/** Values up to this many characters are shown whole (a digest form is always shorter). */
const MAX_SHOWN_WHOLE_CHARS = 200;

/**
 * A value as a summary shows it (a top value, a column name): whole up to 200 characters, else
 * its first SHOWN_VALUE_CHARS and its length, which bounds the size of a CSV task's result.
 */
export function shownForm(value: string): string {
  if (value.length <= MAX_SHOWN_WHOLE_CHARS) return value;
  return `${startOf(value, SHOWN_VALUE_CHARS)}… (${COUNT.format(value.length)} characters)`;
}
