import { ApiError } from './api-error';
import type {
  AuditEntry,
  JsonObject,
  QueueState,
  Session,
  Task,
  TaskPage,
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
  return `/api/tasks/?${params.toString()}`;
}

const taskPath = (id: string): string => `/api/tasks/${encodeURIComponent(id)}`;

/** The REST API of Conveyor, same origin. */
export const api = {
  listTasks: (query: TaskQuery): Promise<TaskPage> => request('GET', listPath(query)),
  getTask: (id: string): Promise<Task> => request('GET', taskPath(id)),
  submitTask: (taskType: TaskType, inputParams: JsonObject): Promise<Task> =>
    request('POST', '/api/tasks/submit', { task_type: taskType, input_params: inputParams }),
  cancelTask: (id: string): Promise<{ message: string; task_id: string }> =>
    request('DELETE', taskPath(id)),
  retryTask: (id: string): Promise<Task> => request('POST', `${taskPath(id)}/retry`),
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
  webhooks: (): Promise<Webhook[]> => request('GET', '/api/webhooks'),
  /** The answer holds the signing secret, this once. */
  createWebhook: (url: string, events: WebhookEvent[]): Promise<Webhook & { secret: string }> =>
    request('POST', '/api/webhooks', { url, events }),
  deleteWebhook: (id: string): Promise<Webhook> =>
    request('DELETE', `/api/webhooks/${encodeURIComponent(id)}`),
  webhookDeliveries: (id: string): Promise<{ deliveries: WebhookDelivery[] }> =>
    request('GET', `/api/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`),
};
