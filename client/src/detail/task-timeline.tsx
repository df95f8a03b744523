import type { Task } from '../api/types';
import { durationBetween, formatDuration } from '../lib/format';
import { useNow } from '../lib/use-now';
import { TimeOf } from '../components/task-time';

const FINISH_LABELS = { SUCCESS: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled' } as const;

/** Created → started → finished, each with how long the step before it took. */
export function TaskTimeline({ task }: { task: Task }) {
  const active = task.status === 'PENDING' || task.status === 'RUNNING';
  const now = useNow(active);
  const finishLabel =
    task.status === 'SUCCESS' || task.status === 'FAILED' || task.status === 'CANCELLED'
      ? FINISH_LABELS[task.status]
      : 'Completed';
  return (
    <ol class="timeline" aria-label="Timeline">
      <li>
        <span class="timeline-label">Created</span> <TimeOf iso={task.created_at} />
      </li>
      {task.run_at && (
        <li>
          <span class="timeline-label">Run at</span> <TimeOf iso={task.run_at} />
          {task.status === 'SCHEDULED' && <span class="muted"> · scheduled</span>}
        </li>
      )}
      <li>
        <span class="timeline-label">Started</span> <TimeOf iso={task.started_at} />
        <span class="muted" data-duration="queued">
          {task.started_at
            ? ` · waited ${formatDuration(durationBetween(task.created_at, task.started_at))} in the queue`
            : task.status === 'PENDING'
              ? ` · waiting for ${formatDuration(durationBetween(task.created_at, now))}`
              : ''}
        </span>
      </li>
      <li>
        <span class="timeline-label">{finishLabel}</span> <TimeOf iso={task.completed_at} />
        <span class="muted" data-duration="run">
          {task.started_at && task.completed_at
            ? ` · ran ${formatDuration(durationBetween(task.started_at, task.completed_at))}`
            : task.started_at && task.status === 'RUNNING'
              ? ` · running for ${formatDuration(durationBetween(task.started_at, now))}`
              : ''}
        </span>
      </li>
      {task.completed_at && (
        <li>
          <span class="timeline-label">Total</span>{' '}
          <span data-duration="total">
            {formatDuration(durationBetween(task.created_at, task.completed_at))}
          </span>
        </li>
      )}
    </ol>
  );
}
