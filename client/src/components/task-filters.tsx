import { useEffect, useState } from 'preact/hooks';
import { TASK_STATUSES, TASK_TYPES, type TaskStatus, type TaskType } from '../api/types';
import { TASK_TYPE_LABELS } from '../lib/format';

export interface Filters {
  status: TaskStatus | null;
  taskType: TaskType | null;
  /** An id prefix, or text in the error or the input; applied on Enter. */
  q?: string;
  /** ISO-8601 times, from the date pickers (the browser's time zone). */
  createdAfter?: string;
  createdBefore?: string;
}

export const NO_FILTERS: Filters = { status: null, taskType: null };

/** A datetime-local value (local time, no zone) as ISO-8601 UTC; undefined when empty or bad. */
export function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** The reverse, for showing an ISO time in a datetime-local input. */
export function isoToLocal(iso: string | undefined): string {
  if (!iso) return '';
  const time = new Date(iso);
  const local = new Date(time.getTime() - time.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

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
      {active && (
        <button type="button" class="link-button" onClick={() => onChange(NO_FILTERS)}>
          Clear filters
        </button>
      )}
    </div>
  );
}
