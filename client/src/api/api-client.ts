import { ApiError } from './api-error';
import type {
  JsonObject,
  Task,
  TaskPage,
  TaskQuery,
  TaskStats,
  TaskType,
  TaskTypes,
} from './types';

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
  taskTypes: (): Promise<TaskTypes> => request('GET', '/api/task-types'),
};
