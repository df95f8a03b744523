import { TASK_STATUSES, type TaskStats, type TaskStatus } from '../api/types';
import { formatNumber } from '../lib/format';

/** One counter per status; pressing one filters the list by it, pressing it again clears that. */
export function StatusCounters({
  stats,
  active,
  onSelect,
}: {
  stats: TaskStats | null;
  active: TaskStatus | null;
  onSelect: (status: TaskStatus | null) => void;
}) {
  return (
    <ul class="counters" aria-label="Tasks per status">
      {TASK_STATUSES.map((status) => (
        <li key={status}>
          <button
            type="button"
            class={`counter counter-${status.toLowerCase()}`}
            aria-pressed={active === status}
            data-status-counter={status}
            title={`Show only ${status} tasks`}
            onClick={() => onSelect(active === status ? null : status)}
          >
            <span class="counter-value">{stats ? formatNumber(stats.counts[status]) : '…'}</span>
            <span class="counter-label">{status}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
