import { formatNumber } from '../lib/format';

export const PAGE_SIZES = [10, 25, 50, 100] as const;

/**
 * Offset paging over the API's `limit`/`offset`; only one page is ever fetched. The range
 * describes the rows on screen; the buttons move from the page asked for. When the API's total
 * is a lower bound (a search counts only up to its page and one more), it shows as "51+" and the
 * last page is not offered: it is not known yet.
 */
export function Pagination({
  total,
  totalIsLowerBound = false,
  shownOffset,
  shownCount,
  offset,
  limit,
  onChange,
}: {
  total: number;
  totalIsLowerBound?: boolean;
  shownOffset: number;
  shownCount: number;
  offset: number;
  limit: number;
  onChange: (paging: { offset: number; limit: number }) => void;
}) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const first = shownOffset + 1;
  const last = shownOffset + shownCount;
  const go = (target: number): void =>
    onChange({ offset: (Math.min(Math.max(target, 1), pages) - 1) * limit, limit });
  return (
    <nav class="pagination" aria-label="Task list pages">
      <p class="page-range" aria-live="polite" data-page-range>
        {shownCount === 0
          ? 'No tasks'
          : `${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(total)}${totalIsLowerBound ? '+' : ''}`}
      </p>
      <div class="page-buttons">
        <button type="button" onClick={() => go(1)} disabled={page <= 1} aria-label="First page">
          «
        </button>
        <button type="button" onClick={() => go(page - 1)} disabled={page <= 1}>
          Previous
        </button>
        <span class="page-number">
          Page {formatNumber(page)}
          {totalIsLowerBound ? '' : ` of ${formatNumber(pages)}`}
        </span>
        <button type="button" onClick={() => go(page + 1)} disabled={page >= pages}>
          Next
        </button>
        <button
          type="button"
          onClick={() => go(pages)}
          disabled={page >= pages || totalIsLowerBound}
          aria-label="Last page"
        >
          »
        </button>
      </div>
      <div class="field inline">
        <label for="page-size">Per page</label>
        <select
          id="page-size"
          value={String(limit)}
          onChange={(event) => onChange({ offset: 0, limit: Number(event.currentTarget.value) })}
        >
          {PAGE_SIZES.map((size) => (
            <option key={size} value={String(size)}>
              {size}
            </option>
          ))}
        </select>
      </div>
    </nav>
  );
}
