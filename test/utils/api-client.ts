import type { TaskResponse } from '../../src/tasks/dto/task.response';
import { waitFor } from './wait-for';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin fetch wrapper for the REST contract, as a client of the original would use it. */
export class ApiClient {
  /** `headers` go with every request (an API key, say). */
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer<T>> {
    const init: RequestInit = { method, headers: { ...this.headers, ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...this.headers, ...headers };
    }
    const response = await fetch(`${this.baseUrl}${path}`, init);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async submit(taskType: string, inputParams: Record<string, unknown> = {}): Promise<TaskResponse> {
    const answer = await this.request<TaskResponse>('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: inputParams,
    });
    if (answer.status !== 200)
      throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async get(id: string): Promise<TaskResponse> {
    const answer = await this.request<TaskResponse>('GET', `/api/tasks/${id}`);
    if (answer.status !== 200)
      throw new Error(`get answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Waits until the task's status is one of `statuses`, and returns it. */
  waitForStatus(id: string, statuses: string[], timeoutMs = 30_000): Promise<TaskResponse> {
    return waitFor(
      `task ${id} to reach ${statuses.join('/')}`,
      async () => {
        const task = await this.get(id);
        return statuses.includes(task.status) ? task : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }
}
