import { useEffect, useState } from 'preact/hooks';
import {
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_STATUSES,
  TASK_TYPES,
  type TaskStatus,
  type TaskType,
} from '../api/types';
import { TASK_TYPE_LABELS } from '../lib/format';
import { isoToLocal, localToIso, NO_FILTERS, type Filters } from '../lib/search-filters';

export { NO_FILTERS, type Filters } from '../lib/search-filters';

function SearchBox({ value, onSearch }: { value: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <form
      class="field inline"
      onSubmit={(event) => {
        event.preventDefault();
        onSearch(text.trim());
      }}
    >
      <label for="filter-q">Search</label>
      <input
        id="filter-q"
        type="search"
        placeholder="id, error or input text"
        maxLength={200}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
    </form>
  );
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
  const active =
    filters.status !== null ||
    filters.taskType !== null ||
    filters.priority !== null ||
    Boolean(filters.q || filters.createdAfter || filters.createdBefore);
  return (
    <div class="filters" role="search" aria-label="Filter tasks">
      <SearchBox
        value={filters.q ?? ''}
        onSearch={(q) => onChange({ ...filters, q: q || undefined })}
      />
      <div class="field inline">
        <label for="filter-after">From</label>
        <input
          id="filter-after"
          type="datetime-local"
          value={isoToLocal(filters.createdAfter)}
          onChange={(event) =>
            onChange({ ...filters, createdAfter: localToIso(event.currentTarget.value) })
          }
        />
      </div>
      <div class="field inline">
        <label for="filter-before">Before</label>
        <input
          id="filter-before"
          type="datetime-local"
          value={isoToLocal(filters.createdBefore)}
          onChange={(event) =>
            onChange({ ...filters, createdBefore: localToIso(event.currentTarget.value) })
          }
        />
      </div>
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
        <button type="button" class="link-button" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </div>
  );
}
