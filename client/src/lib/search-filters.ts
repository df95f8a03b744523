import type { BulkTarget, TaskStatus, TaskType } from '../api/types';

export interface Filters {
  status: TaskStatus | null;
  taskType: TaskType | null;
  priority: number | null;
  /** An id prefix, or text in the error or the input; applied on Enter. */
  q?: string;
  /** ISO-8601 times, from the date pickers (the browser's time zone). */
  createdAfter?: string;
  createdBefore?: string;
}

export const NO_FILTERS: Filters = { status: null, taskType: null, priority: null };

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

/** The search of the list as a bulk filter, with the status the action is for. */
export function filterTarget(filters: Filters, status: TaskStatus): BulkTarget {
  return {
    filter: {
      status,
      ...(filters.taskType && { task_type: filters.taskType }),
      ...(filters.priority !== null && { priority: filters.priority }),
      ...(filters.q && { q: filters.q }),
      ...(filters.createdAfter && { created_after: filters.createdAfter }),
      ...(filters.createdBefore && { created_before: filters.createdBefore }),
    },
  };
}
