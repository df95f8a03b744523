import type { Task } from '../api/types';
import { findRetries } from './find-retries';

const original = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  task_type: 'csv_processing',
  created_at: '2026-01-31T12:00:00.000Z',
} as Task;

describe('findRetries', () => {
  const realFetch = globalThis.fetch;
  let requested: string[];

  function answerWith(tasks: Partial<Task>[], total: number): void {
    requested = [];
    globalThis.fetch = ((url: string) => {
      requested.push(url);
      return Promise.resolve(new Response(JSON.stringify({ tasks, total }), { status: 200 }));
    }) as typeof fetch;
  }

  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it("asks the API for the task's retries with one filtered request", async () => {
    answerWith([{ id: 'b' }, { id: 'a' }], 2);
    const found = await findRetries(original);
    expect(requested).toHaveLength(1);
    const url = new URL(requested[0], 'http://localhost');
    expect(url.pathname).toBe('/api/tasks/');
    expect(url.searchParams.get('retry_of')).toBe(original.id);
    expect(url.searchParams.get('task_type')).toBeNull();
    expect(found).toEqual({ retries: [{ id: 'b' }, { id: 'a' }], complete: true });
  });

  it('says the list is partial when there are more retries than one page', async () => {
    answerWith([{ id: 'a' }], 1500);
    expect((await findRetries(original)).complete).toBe(false);
  });
});
