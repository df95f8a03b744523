import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import { canCancel, canRetry, type Task } from '../api/types';
import { useCan } from '../auth/session-context';
import { shortId } from '../lib/format';
import { useNotices } from './notices';

/**
 * Cancel and Retry, shown only where the task's status allows them. Failures (a task that
 * finished meanwhile, say) are shown in the page with the API's message.
 */
export function TaskActions({
  task,
  onChanged,
  onRetried,
}: {
  task: Task;
  /** The task as it is after a cancel. */
  onChanged: (task: Task) => void;
  /** The new task a retry made. */
  onRetried: (task: Task) => void;
}) {
  const notices = useNotices();
  const [busy, setBusy] = useState(false);
  const canOperate = useCan('operator');
  const short = shortId(task.id);

  const run = async (action: () => Promise<void>, what: string): Promise<void> => {
    setBusy(true);
    try {
      await action();
    } catch (error) {
      notices.reportError(`Could not ${what} task ${short}`, error);
    } finally {
      setBusy(false);
    }
  };

  const cancel = (): Promise<void> =>
    run(async () => {
      await api.cancelTask(task.id);
      onChanged(await api.getTask(task.id));
    }, 'cancel');
  const retry = (): Promise<void> =>
    run(async () => onRetried(await api.retryTask(task.id)), 'retry');

  // A viewer's key may not cancel or retry: the buttons are not offered at all.
  if (!canOperate) return null;
  return (
    <div class="actions">
      {canCancel(task.status) && (
        <button
          type="button"
          class="button danger"
          disabled={busy}
          aria-label={`Cancel task ${short}`}
          onClick={() => void cancel()}
        >
          Cancel
        </button>
      )}
      {canRetry(task.status) && (
        <button
          type="button"
          class="button"
          disabled={busy}
          aria-label={`Retry task ${short}`}
          onClick={() => void retry()}
        >
          Retry
        </button>
      )}
    </div>
  );
}
