import { api } from '../api/api-client';
import type { Task } from '../api/types';

/** More retries of one task than this are not listed (the link says the list is partial). */
const MAX_LISTED = 1000;

/** Tasks made from `original` by the retry endpoint, newest first: the API's retry_of filter. */
export async function findRetries(original: Task): Promise<{ retries: Task[]; complete: boolean }> {
  const { tasks, total } = await api.listTasks({
    status: null,
    taskType: null,
    retryOf: original.id,
    limit: MAX_LISTED,
    offset: 0,
  });
  return { retries: tasks, complete: tasks.length >= total };
}
