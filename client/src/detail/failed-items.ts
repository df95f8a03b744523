import { isTerminal, type Task } from '../api/types';

/**
 * How many recipients or images of a finished task failed, as its result counts them: what
 * "Retry failed items (N)" offers. 0 for a CSV task, an unfinished one, or one with no result.
 */
export function failedItemCount(task: Task): number {
  if (task.task_type === 'csv_processing' || !isTerminal(task.status)) return 0;
  const failed = task.result_data?.failed;
  return typeof failed === 'number' && Number.isInteger(failed) && failed > 0 ? failed : 0;
}

/** Whether the task has per-item outcomes to download: a started e-mail task, or a result. */
export function hasItemOutcomes(task: Task): boolean {
  if (task.task_type === 'email_sending')
    return isTerminal(task.status) || task.status === 'RUNNING';
  if (task.task_type === 'image_processing') return Array.isArray(task.result_data?.images);
  return Array.isArray(task.result_data?.malformed_examples);
}

/** Where the per-item outcomes CSV of a task is downloaded from. */
export const itemsCsvPath = (id: string): string =>
  `/api/tasks/${encodeURIComponent(id)}/items.csv`;
