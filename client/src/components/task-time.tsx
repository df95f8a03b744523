import type { Task } from '../api/types';
import { durationBetween, formatDuration, formatTime } from '../lib/format';
import { useNow } from '../lib/use-now';

export function TimeOf({ iso }: { iso: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}

/** How long the task ran (or has been running, or waiting), ticking while it is not finished. */
export function TaskDuration({ task }: { task: Task }) {
  const active = task.status === 'RUNNING' || task.status === 'PENDING';
  const now = useNow(active);
  if (task.status === 'SCHEDULED') {
    return (
      <span class="muted">
        starts <TimeOf iso={task.run_at} />
      </span>
    );
  }
  if (task.status === 'PENDING') {
    return (
      <span class="muted">queued {formatDuration(durationBetween(task.created_at, now))}</span>
    );
  }
  if (!task.started_at) {
    return <span class="muted">never started</span>;
  }
  if (task.status === 'RUNNING' || !task.completed_at) {
    return <span>running {formatDuration(durationBetween(task.started_at, now))}</span>;
  }
  return <span>{formatDuration(durationBetween(task.started_at, task.completed_at))}</span>;
}
