import { ApiError } from './api-error';
import type {
  AuditEntry,
  BulkResult,
  BulkTarget,
  JsonObject,
  QueueState,
  Schedule,
  ScheduleInput,
  Session,
  Task,
  TaskLogLine,
  TaskPage,
  StartOptions,
  TaskQuery,
  TaskStats,
  TaskType,
  TaskTypes,
  Webhook,
  WebhookDelivery,
  WebhookEvent,
  WorkerProcess,
} from './types';

/**
 * Sent with every call. The session cookie alone does not let the API accept a change: it also
 * wants this header, which a page of another site cannot add without the API's consent.
 */
export const CLIENT_HEADER = { 'x-conveyor-client': 'dashboard' } as const;

const unauthorizedListeners = new Set<() => void>();

/** Called whenever the API answers 401: the session ended or its key was revoked. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export const reportUnauthorized = (): void => {
  for (const listener of unauthorizedListeners) listener();
};

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...CLIENT_HEADER,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, null, `The service cannot be reached (${(error as Error).message})`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, say): keep the text for the message.
  }
  if (response.status === 401 && path !== '/api/session') reportUnauthorized();
  if (!response.ok) throw ApiError.fromAnswer(response.status, parsed);
  return parsed as T;
}

function listPath(query: TaskQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  if (query.status) params.set('status', query.status);
  if (query.taskType) params.set('task_type', query.taskType);
  if (query.retryOf) params.set('retry_of', query.retryOf);
  if (query.priority !== undefined && query.priority !== null) {
    params.set('priority', String(query.priority));
  }
  if (query.q) params.set('q', query.q);
  if (query.createdAfter) params.set('created_after', query.createdAfter);
  if (query.createdBefore) params.set('created_before', query.createdBefore);
  return `/api/tasks/?${params.toString()}`;
}

const taskPath = (id: string): string => `/api/tasks/${encodeURIComponent(id)}`;

/** The REST API of Conveyor, same origin. */
export const api = {
  listTasks: (query: TaskQuery): Promise<TaskPage> => request('GET', listPath(query)),
  getTask: (id: string): Promise<Task> => request('GET', taskPath(id)),
  submitTask: (
    taskType: TaskType,
    inputParams: JsonObject,
    start: StartOptions = {},
  ): Promise<Task> =>
    request('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: inputParams,
      ...start,
    }),
  cancelTask: (id: string): Promise<{ message: string; task_id: string }> =>
    request('DELETE', taskPath(id)),
  retryTask: (id: string): Promise<Task> => request('POST', `${taskPath(id)}/retry`),
  /** Cancels or retries every task the target matches; `dryRun` only counts them. */
  bulk: (action: 'cancel' | 'retry', target: BulkTarget, dryRun = false): Promise<BulkResult> =>
    request('POST', `/api/tasks/${action}`, { ...target, ...(dryRun && { dry_run: true }) }),
  retryFailedItems: (id: string): Promise<Task> =>
    request('POST', `${taskPath(id)}/retry?only=failed_items`),
  taskLogs: (id: string, after: number): Promise<{ task_id: string; lines: TaskLogLine[] }> =>
    request('GET', `${taskPath(id)}/logs?after=${after}`),
  stats: (): Promise<TaskStats> => request('GET', '/api/tasks/stats'),
  session: (): Promise<Session> => request('GET', '/api/session'),
  /** The key goes once, in a header, and comes back as an HttpOnly cookie the page cannot read. */
  signIn: (key: string): Promise<Session> =>
    request('POST', '/api/session', undefined, { authorization: `Bearer ${key}` }),
  signOut: (): Promise<void> => request('DELETE', '/api/session'),
  audit: (limit: number): Promise<{ entries: AuditEntry[]; total: number }> =>
    request('GET', `/api/audit?limit=${limit}`),
  taskTypes: (): Promise<TaskTypes> => request('GET', '/api/task-types'),
  workers: (): Promise<{ workers: WorkerProcess[] }> => request('GET', '/api/workers'),
  queues: (): Promise<QueueState[]> => request('GET', '/api/queues'),
  pauseQueue: (type: TaskType): Promise<QueueState> =>
    request('POST', `/api/queues/${encodeURIComponent(type)}/pause`),
  resumeQueue: (type: TaskType): Promise<QueueState> =>
    request('POST', `/api/queues/${encodeURIComponent(type)}/resume`),
  schedules: (): Promise<{ schedules: Schedule[]; total: number }> =>
    request('GET', '/api/schedules'),
  createSchedule: (input: ScheduleInput): Promise<Schedule> =>
    request('POST', '/api/schedules', input),
  updateSchedule: (id: string, change: Partial<ScheduleInput>): Promise<Schedule> =>
    request('PATCH', `/api/schedules/${encodeURIComponent(id)}`, change),
  deleteSchedule: (id: string): Promise<Schedule> =>
    request('DELETE', `/api/schedules/${encodeURIComponent(id)}`),
  webhooks: (): Promise<Webhook[]> => request('GET', '/api/webhooks'),
  /** The answer holds the signing secret, this once. */
  createWebhook: (url: string, events: WebhookEvent[]): Promise<Webhook & { secret: string }> =>
    request('POST', '/api/webhooks', { url, events }),
  deleteWebhook: (id: string): Promise<Webhook> =>
    request('DELETE', `/api/webhooks/${encodeURIComponent(id)}`),
  webhookDeliveries: (id: string): Promise<{ deliveries: WebhookDelivery[] }> =>
    request('GET', `/api/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`),
};
