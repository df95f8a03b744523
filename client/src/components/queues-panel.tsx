import { useState } from 'preact/hooks';
import { api } from '../api/api-client';
import { canSteerQueues, type QueueState, type TaskType } from '../api/types';
import { useSession } from '../auth/session-context';
import { useQueues } from '../data/use-queues';
import { formatNumber } from '../lib/format';
import { useNotices } from './notices';

/**
 * Each task type's queue: paused or running, how many tasks wait and run, on how many workers,
 * at what rate. Pause and Resume are offered only to keys that may use them (a queue is shared
 * by every project, so that is a key of project `*`, or open mode).
 */
export function QueuesPanel() {
  const { queues, error, replace } = useQueues();
  const { session } = useSession();
  const canSteer = canSteerQueues(session);
  const notices = useNotices();
  const [busy, setBusy] = useState<TaskType | null>(null);

  const steer = async (queue: QueueState): Promise<void> => {
    setBusy(queue.task_type);
    try {
      replace(
        await (queue.paused ? api.resumeQueue(queue.task_type) : api.pauseQueue(queue.task_type)),
      );
    } catch (failure) {
      notices.reportError(
        `Could not ${queue.paused ? 'resume' : 'pause'} ${queue.task_type}`,
        failure,
      );
    } finally {
      setBusy(null);
    }
  };

  return (
    <section class="panel queues-panel" aria-labelledby="queues-heading">
      <div class="panel-head">
        <h2 id="queues-heading">Queues</h2>
      </div>
      {error && (
        <p class="field-error" role="alert">
          Could not load the queues: {error}
        </p>
      )}
      {queues && (
        <table class="queues-table">
          <thead>
            <tr>
              <th scope="col">Task type</th>
              <th scope="col">State</th>
              <th scope="col">Waiting</th>
              <th
                scope="col"
                title="Delayed jobs: scheduled tasks and retries waiting out a backoff"
              >
                Scheduled
              </th>
              <th scope="col">Running</th>
              <th scope="col">Workers</th>
              <th scope="col">Rate</th>
              {canSteer && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {queues.map((queue) => (
              <tr key={queue.task_type} data-queue={queue.task_type}>
                <th scope="row">{queue.task_type}</th>
                <td>
                  <span
                    class={`queue-state ${queue.paused ? 'queue-paused' : 'queue-running'}`}
                    data-state={queue.paused ? 'paused' : 'running'}
                  >
                    {queue.paused ? 'paused' : 'running'}
                  </span>
                </td>
                <td data-count="waiting">{formatNumber(queue.waiting)}</td>
                <td data-count="scheduled">{formatNumber(queue.scheduled)}</td>
                <td data-count="running">{formatNumber(queue.running)}</td>
                <td data-count="workers">{formatNumber(queue.workers)}</td>
                <td>
                  {queue.rate_per_second === null ? 'no limit' : `${queue.rate_per_second}/s`}
                </td>
                {canSteer && (
                  <td>
                    <button
                      type="button"
                      class={queue.paused ? 'button' : 'button danger'}
                      disabled={busy === queue.task_type}
                      aria-label={`${queue.paused ? 'Resume' : 'Pause'} ${queue.task_type}`}
                      onClick={() => void steer(queue)}
                    >
                      {queue.paused ? 'Resume' : 'Pause'}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
