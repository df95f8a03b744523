// The REST contract as the dashboard sees it (docs: CONTRACT.md); snake_case, like the wire.

export const TASK_TYPES = ['csv_processing', 'email_sending', 'image_processing'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** In the order a task moves through them (SCHEDULED only when it was given a later start). */
export const TASK_STATUSES = [
  'SCHEDULED',
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'CANCELLED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export type JsonObject = Record<string, unknown>;

/** GET /api/task-types: what a task type's form needs from the API's own rules. */
export interface TaskTypeInfo {
  /** The value each optional parameter takes when left out. */
  defaults: JsonObject;
  /** The allowed values of the parameters that take one of a list. */
  choices: Record<string, readonly string[]>;
}

export type TaskTypes = Record<TaskType, TaskTypeInfo>;

export interface Task {
  id: string;
  task_type: TaskType;
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  progress: number;
  input_params: JsonObject;
  result_data: JsonObject | null;
  error_message: string | null;
  attempts: number;
  retry_of: string | null;
  /** Seconds the run may last before it is stopped and FAILED; null for older tasks. */
  timeout_seconds: number | null;
  project: string;
  /** 0–10; a larger one starts sooner among its type's waiting tasks. */
  priority: number;
  /** When it was asked to start; SCHEDULED until then. */
  run_at: string | null;
  /** The schedule whose tick made it; null for a submit or a retry. */
  schedule_id?: string | null;
}

export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 10;
export const DEFAULT_PRIORITY = 5;

/** How a submit asks to start its task; left out, it starts at once with the default priority. */
export interface StartOptions {
  priority?: number;
  delay_seconds?: number;
}

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** GET /api/session: who the page acts as. In open mode no key is needed. */
export interface Session {
  auth_mode: 'open' | 'keys';
  key_id: string | null;
  name: string;
  role: Role;
  project: string;
}

/** True when a session of role `held` may do what needs `needed`. */
export const roleAllows = (held: Role, needed: Role): boolean =>
  ROLES.indexOf(held) >= ROLES.indexOf(needed);

/** One task type's queue, as GET /api/queues answers it. */
export interface QueueState {
  task_type: TaskType;
  paused: boolean;
  waiting: number;
  scheduled: number;
  running: number;
  workers: number;
  rate_per_second: number | null;
}

/**
 * Whether the session may pause and resume queues: they hold every project's tasks, so the API
 * asks for an operator-or-better key of project `*`, or open mode.
 */
export const canSteerQueues = (session: Session): boolean =>
  session.auth_mode === 'open' || (roleAllows(session.role, 'operator') && session.project === '*');

/** One entry of GET /api/audit. */
/** One live worker process, as GET /api/workers shows it to this key. */
export interface WorkerProcess {
  id: string;
  host: string;
  pid: number;
  task_types: TaskType[];
  concurrency: Partial<Record<TaskType, number>>;
  /** The running tasks of this key's project (of every project for an admin of `*`). */
  running_task_ids: string[];
  /** Every task the worker runs, whichever project it belongs to. */
  running_count: number;
  started_at: string;
  last_heartbeat: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor_key_id: string | null;
  actor_name: string;
  action: string;
  resource: string | null;
  project: string;
  client_address: string | null;
}

export interface TaskPage {
  tasks: Task[];
  /** Every task matching the filters, not only this page; at least this many when the next is set. */
  total: number;
  /** Present when more tasks match than `total` (a search, or a count stopped at 10,000). */
  total_is_lower_bound?: true;
  /** The next page's cursor; null on the last page. */
  next_cursor?: string | null;
}

/** What a bulk cancel or retry acts on: a search, or chosen ids (exactly one). */
export type BulkTarget =
  | {
      filter: {
        status?: TaskStatus;
        task_type?: TaskType;
        q?: string;
        created_after?: string;
        created_before?: string;
      };
    }
  | { ids: string[] };

export interface BulkResult {
  matched: number;
  affected: number;
  /** With dry_run: of the matched, how many the action applies to. */
  eligible?: number;
  detail?: string;
}

export interface ThroughputPoint {
  /** The minute's start, ISO-8601 UTC. */
  minute: string;
  completed: number;
  failed: number;
}

export interface TaskStats {
  counts: Record<TaskStatus, number>;
  throughput: ThroughputPoint[];
}

/** One message of GET /api/events; its SSE event name equals `type`. */
export interface TaskEvent {
  type: 'created' | 'status' | 'progress';
  task_id: string;
  task_type: TaskType;
  status: TaskStatus;
  progress: number;
  at: string;
}

/** One line of a task's own log (GET /api/tasks/{id}/logs). */
export interface TaskLogLine {
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** New lines of one task's log, batched per task, on GET /api/events as `event: logs`. */
export interface TaskLogsEvent {
  type: 'logs';
  task_id: string;
  task_type: TaskType;
  lines: TaskLogLine[];
}

export interface ValidationProblem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** The answer of POST /api/files. */
export interface UploadedFile {
  file_id: string;
  filename: string;
  size: number;
  content_type: string;
  sha256: string;
}

export interface TaskQuery {
  status: TaskStatus | null;
  taskType: TaskType | null;
  /** Only the retries of this task. */
  retryOf?: string;
  /** Only the tasks of this priority. */
  priority?: number | null;
  /** An id prefix, or text in the error or the input. */
  q?: string;
  /** ISO-8601 times: created at or after, and before. */
  createdAfter?: string;
  createdBefore?: string;
  limit: number;
  offset: number;
}

export const isTerminal = (status: TaskStatus): boolean =>
  status === 'SUCCESS' || status === 'FAILED' || status === 'CANCELLED';

export const canCancel = (status: TaskStatus): boolean =>
  status === 'PENDING' || status === 'RUNNING' || status === 'SCHEDULED';

export const canRetry = (status: TaskStatus): boolean =>
  status === 'FAILED' || status === 'CANCELLED';

/** A cron schedule (§9): each tick submits one task. */
export interface Schedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  task_type: TaskType;
  input_params: JsonObject;
  priority: number | null;
  timeout_seconds: number | null;
  enabled: boolean;
  project: string;
  next_run_at: string | null;
  /** The next few fire times, ISO-8601 UTC; empty while disabled. */
  next_runs: string[];
  last_run_at: string | null;
  last_task_id: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/** What POST /api/schedules takes, and PATCH any part of. */
export interface ScheduleInput {
  name: string;
  cron: string;
  timezone: string;
  task_type: TaskType;
  input_params: JsonObject;
  priority?: number | null;
  timeout_seconds?: number | null;
  enabled: boolean;
}

export const WEBHOOK_EVENTS = ['task.succeeded', 'task.failed', 'task.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A webhook as GET /api/webhooks answers it (never its secret). */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  project: string;
  created_at: string;
}

/** One try to deliver an event, as GET /api/webhooks/{id}/deliveries answers it. */
export interface WebhookDelivery {
  id: string;
  task_id: string;
  event: WebhookEvent;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  delivered: boolean;
  created_at: string;
}
