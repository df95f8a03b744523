import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { Task } from '../api/types';
import { useCan } from '../auth/session-context';
import { useNotices } from '../components/notices';
import { shortId } from '../lib/format';
import { failedItemCount, hasItemOutcomes, itemsCsvPath } from './failed-items';

/**
 * Beside Retry: "Retry failed items (N)" for an e-mail or image task some of whose items
 * failed (operators), and the per-item outcomes as a CSV download (anyone who can see it; the
 * session cookie goes with the link, no key in the URL).
 */
export function ItemActions({ task, onRetried }: { task: Task; onRetried: (task: Task) => void }) {
  const notices = useNotices();
  const canOperate = useCan('operator');
  const [busy, setBusy] = useState(false);
  const failed = failedItemCount(task);
  const short = shortId(task.id);

  const retryFailed = async (): Promise<void> => {
    setBusy(true);
    try {
      onRetried(await api.retryFailedItems(task.id));
    } catch (error) {
      notices.reportError(`Could not retry the failed items of task ${short}`, error);
    } finally {
      setBusy(false);
    }
  };

  const offerRetry = canOperate && failed > 0;
  const offerDownload = hasItemOutcomes(task);
  if (!offerRetry && !offerDownload) return null;
  return (
    <div class="actions item-actions">
      {offerRetry && (
        <button
          type="button"
          class="button"
          disabled={busy}
          data-retry-failed-items
          aria-label={`Retry the ${failed} failed items of task ${short}`}
          onClick={() => void retryFailed()}
        >
          Retry failed items ({failed})
        </button>
      )}
      {offerDownload && (
        <a
          class="button"
          href={itemsCsvPath(task.id)}
          download={`task-${task.id}-items.csv`}
          data-items-csv
        >
          Download items (CSV)
        </a>
      )}
    </div>
  );
}
