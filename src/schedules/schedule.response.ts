import { fireTimesAfter, PREVIEW_RUNS } from './cron-schedule';
import { Schedule } from './schedule.entity';

/** A schedule as the API answers it (§9). */
export interface ScheduleResponse {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  task_type: string;
  input_params: Record<string, unknown>;
  priority: number | null;
  timeout_seconds: number | null;
  enabled: boolean;
  project: string;
  /** The tick it fires next; null while disabled. */
  next_run_at: string | null;
  /** The next few fire times from then on, ISO-8601 UTC; empty while disabled. */
  next_runs: string[];
  /** When it last fired, the task that made, and why none was made if so. */
  last_run_at: string | null;
  last_task_id: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toScheduleResponse(row: Schedule): ScheduleResponse {
  const next = row.enabled ? row.nextRunAt : null;
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    task_type: row.taskType,
    input_params: row.inputParams,
    priority: row.priority,
    timeout_seconds: row.timeoutSeconds,
    enabled: row.enabled,
    project: row.project,
    next_run_at: iso(next),
    next_runs: next
      ? [next, ...fireTimesAfter(row.cron, row.timezone, next, PREVIEW_RUNS - 1)].map((date) =>
          date.toISOString(),
        )
      : [],
    last_run_at: iso(row.lastRunAt),
    last_task_id: row.lastTaskId,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
