import {
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_STATUSES,
  TASK_TYPES,
  type TaskStatus,
  type TaskType,
} from '../api/types';
import { TASK_TYPE_LABELS } from '../lib/format';

export interface Filters {
  status: TaskStatus | null;
  taskType: TaskType | null;
  priority: number | null;
}

/** The priorities, largest first. */
const PRIORITIES = Array.from(
  { length: MAX_PRIORITY - MIN_PRIORITY + 1 },
  (_, index) => MAX_PRIORITY - index,
);

export function TaskFilters({
  filters,
  onChange,
}: {
  filters: Filters;
  onChange: (filters: Filters) => void;
}) {
  const active = filters.status !== null || filters.taskType !== null || filters.priority !== null;
  return (
    <div class="filters" role="search" aria-label="Filter tasks">
      <div class="field inline">
        <label for="filter-status">Status</label>
        <select
          id="filter-status"
          value={filters.status ?? ''}
          onChange={(event) =>
            onChange({
              ...filters,
              status: (event.currentTarget.value || null) as TaskStatus | null,
            })
          }
        >
          <option value="">All statuses</option>
          {TASK_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </div>
      <div class="field inline">
        <label for="filter-type">Type</label>
        <select
          id="filter-type"
          value={filters.taskType ?? ''}
          onChange={(event) =>
            onChange({
              ...filters,
              taskType: (event.currentTarget.value || null) as TaskType | null,
            })
          }
        >
          <option value="">All types</option>
          {TASK_TYPES.map((type) => (
            <option key={type} value={type}>
              {TASK_TYPE_LABELS[type]}
            </option>
          ))}
        </select>
      </div>
      <div class="field inline">
        <label for="filter-priority">Priority</label>
        <select
          id="filter-priority"
          value={filters.priority === null ? '' : String(filters.priority)}
          onChange={(event) => {
            const value = event.currentTarget.value;
            onChange({ ...filters, priority: value === '' ? null : Number(value) });
          }}
        >
          <option value="">All priorities</option>
          {PRIORITIES.map((priority) => (
            <option key={priority} value={String(priority)}>
              {priority}
            </option>
          ))}
        </select>
      </div>
      {active && (
        <button
          type="button"
          class="link-button"
          onClick={() => onChange({ status: null, taskType: null, priority: null })}
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
