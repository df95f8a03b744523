import { TaskStatus } from '../../core/task-status';
import { TaskType } from '../../core/task-type';
import { Task } from '../../database/task.entity';

/** A task as the API answers it: snake_case, ISO-8601 UTC times. */
export class TaskResponse {
  id!: string;
  task_type!: TaskType;
  status!: TaskStatus;
  created_at!: string;
  started_at!: string | null;
  completed_at!: string | null;
  progress!: number;
  input_params!: Record<string, unknown>;
  result_data!: Record<string, unknown> | null;
  error_message!: string | null;
  attempts!: number;
  retry_of!: string | null;
  /** Seconds the run may last before it is stopped and FAILED; null for tasks made before §9. */
  timeout_seconds!: number | null;
  /** The project of the key that submitted it; `default` in open mode. */
  project!: string;
  /** 0–10: among a type's waiting tasks a larger one starts sooner (§9). */
  priority!: number;
  /** When it was asked to start (SCHEDULED until then); null for at once. */
  run_at!: string | null;
  /** The schedule whose tick made it (§9); null for a submit or a retry. */
  schedule_id!: string | null;
}

export class TaskListResponse {
  /** Each input_params field over 4 KiB of JSON is elided: `{"elided_bytes": <its size>}`. */
  tasks!: TaskResponse[];
  /**
   * All tasks matching the filters, not only this page; a lower bound when
   * total_is_lower_bound is there.
   */
  total!: number;
  /**
   * Present (true) when more tasks match than `total`: a count the counters cannot answer stops
   * past 10,000 matches, and a `q` search counts only up to its page and one more.
   */
  total_is_lower_bound?: true;
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor!: string | null;
}

export class ThroughputPoint {
  /** The minute's start, ISO-8601 UTC. */
  minute!: string;
  completed!: number;
  failed!: number;
}

export class TaskStats {
  counts!: Record<TaskStatus, number>;
  /** Completed and failed tasks per minute over the last hour; minutes with none are left out. */
  throughput!: ThroughputPoint[];
}

export class CancelResponse {
  message!: string;
  task_id!: string;
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toTaskResponse(task: Task): TaskResponse {
  return {
    id: task.id,
    task_type: task.taskType,
    status: task.status,
    created_at: task.createdAt.toISOString(),
    started_at: iso(task.startedAt),
    completed_at: iso(task.completedAt),
    progress: task.progress,
    input_params: task.inputParams,
    result_data: task.resultData,
    error_message: task.errorMessage,
    attempts: task.attempts,
    retry_of: task.retryOf,
    timeout_seconds: task.timeoutSeconds ?? null,
    project: task.project,
    priority: task.priority,
    run_at: iso(task.runAt),
    schedule_id: task.scheduleId ?? null,
  };
}

/** Bytes of JSON an input_params field may take in a list; GET /api/tasks/{id} has it whole. */
export const LIST_FIELD_MAX_BYTES = 4096;

/** What stands in a list for a field over LIST_FIELD_MAX_BYTES: its size, to show or fetch. */
export interface ElidedField {
  elided_bytes: number;
}

/**
 * A task as a list shows it: 100 tasks of 1 MB parameters each would be a 100 MB answer, so each
 * input_params field over LIST_FIELD_MAX_BYTES of JSON is replaced by an ElidedField.
 */
export function toTaskListItem(task: Task): TaskResponse {
  const response = toTaskResponse(task);
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(response.input_params)) {
    const bytes = jsonBytes(value);
    params[key] =
      bytes > LIST_FIELD_MAX_BYTES ? ({ elided_bytes: bytes } satisfies ElidedField) : value;
  }
  return { ...response, input_params: params };
}

/** Size of a value's JSON; strings are measured without serialising them. */
function jsonBytes(value: unknown): number {
  if (typeof value === 'string' && value.length * 3 + 2 <= LIST_FIELD_MAX_BYTES) return 0;
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
