import { api } from '../api/api-client';
import type { Task } from '../api/types';

const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/**
 * Tasks made from `original` by the retry endpoint. The API has no filter on retry_of, so this
 * reads the newest tasks of the same type, page by page, back to the original's creation (a
 * retry is always newer), and gives up after MAX_PAGES pages on a very busy queue.
 */
export async function findRetries(original: Task): Promise<{ retries: Task[]; complete: boolean }> {
  const retries: Task[] = [];
  const since = Date.parse(original.created_at);
  for (let page = 0; page < MAX_PAGES; page++) {
    const { tasks } = await api.listTasks({
      status: null,
      taskType: original.task_type,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
    });
    retries.push(...tasks.filter((task) => task.retry_of === original.id));
    const oldest = tasks.at(-1);
    if (tasks.length < PAGE_SIZE || !oldest || Date.parse(oldest.created_at) <= since) {
      return { retries, complete: true };
    }
  }
  return { retries, complete: false };
}
