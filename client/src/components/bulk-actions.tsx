import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { BulkResult, BulkTarget } from '../api/types';
import { formatNumber } from '../lib/format';
import { useNotices } from './notices';
import { filterTarget, type Filters } from '../lib/search-filters';

type Action = 'cancel' | 'retry';

interface Pending {
  action: Action;
  target: BulkTarget;
  /** The dry run's count. */
  count: BulkResult;
}

const PAST: Record<Action, string> = { cancel: 'cancelled', retry: 'retried' };
const plural = (n: number): string => `${formatNumber(n)} task${n === 1 ? '' : 's'}`;

/**
 * Retry or cancel the selected rows, or every task the search matches. Each first asks the API
 * for a dry run and shows how many the action will change; nothing happens before Confirm.
 */
export function BulkActions({
  filters,
  selected,
  onDone,
}: {
  filters: Filters;
  selected: string[];
  onDone: () => void;
}) {
  const notices = useNotices();
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);

  const ask = async (action: Action, target: BulkTarget): Promise<void> => {
    setBusy(true);
    try {
      setPending({ action, target, count: await api.bulk(action, target, true) });
    } catch (error) {
      notices.reportError(`Could not count the tasks to ${action}`, error);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (): Promise<void> => {
    if (!pending) return;
    setBusy(true);
    try {
      const result = await api.bulk(pending.action, pending.target);
      notices.inform(
        `${plural(result.affected)} ${PAST[pending.action]} of ${formatNumber(result.matched)} matched.` +
          (result.detail ? ` ${result.detail}` : ''),
      );
      setPending(null);
      onDone();
    } catch (error) {
      notices.reportError(`Bulk ${pending.action} failed`, error);
    } finally {
      setBusy(false);
    }
  };

  if (pending) {
    const eligible = pending.count.eligible ?? 0;
    return (
      <div class="bulk-confirm" role="alertdialog" aria-label="Confirm bulk action">
        <p data-bulk-count={eligible}>
          {plural(eligible)} will be {PAST[pending.action]}
          {pending.count.matched !== eligible &&
            ` (${formatNumber(pending.count.matched)} matched; the others cannot be ${PAST[pending.action]})`}
          .
        </p>
        <button
          type="button"
          class={`button ${pending.action === 'cancel' ? 'danger' : 'primary'}`}
          disabled={busy || eligible === 0}
          onClick={() => void confirm()}
        >
          Confirm {pending.action}
        </button>{' '}
        <button type="button" class="button" disabled={busy} onClick={() => setPending(null)}>
          Back
        </button>
      </div>
    );
  }
  return (
    <div class="bulk-actions" aria-label="Bulk actions">
      {selected.length > 0 && (
        <>
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => void ask('retry', { ids: selected })}
          >
            Retry selected ({formatNumber(selected.length)})
          </button>{' '}
          <button
            type="button"
            class="button"
            disabled={busy}
            onClick={() => void ask('cancel', { ids: selected })}
          >
            Cancel selected ({formatNumber(selected.length)})
          </button>{' '}
        </>
      )}
      <button
        type="button"
        class="button"
        disabled={busy}
        onClick={() => void ask('retry', filterTarget(filters, 'FAILED'))}
      >
        Retry all failed matching
      </button>{' '}
      <button
        type="button"
        class="button"
        disabled={busy}
        onClick={() => void ask('cancel', filterTarget(filters, 'PENDING'))}
      >
        Cancel all pending matching
      </button>
    </div>
  );
}
