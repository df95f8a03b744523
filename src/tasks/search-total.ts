import type { TaskTotal } from '../database/task-store';
/**
 * A text search's total, from its page alone: counting every task a common word is in costs a
 * scan of the project (hundreds of ms at 1,000,000 rows), far more than the page, which stops
 * after `limit` + 1 matches. Exact once the last page is reached from an offset; before that,
 * or after a cursor (which hides how many came before), a lower bound: the rows up to this page
 * and one more when another page follows (0 past the end, where the page is empty).
 */
export function totalOfSearch(
  onPage: number,
  more: boolean,
  offset: number | undefined,
): TaskTotal {
  if (offset !== undefined && !more && (onPage > 0 || offset === 0))
    return { count: offset + onPage, lowerBound: false };
  // An empty page past the end tells nothing of the rows before it.
  if (onPage === 0) return { count: 0, lowerBound: true };
  return { count: (offset ?? 0) + onPage + (more ? 1 : 0), lowerBound: true };
}
