import { TaskType } from '../core/task-type';

/** A job carries the task id (as jobId) and its immutable params, so a worker needs no read. */
export interface TaskJobData {
  taskType: TaskType;
  params: Record<string, unknown>;
}

/** One BullMQ queue per task type, named after it. */
export const queueNameOf = (type: TaskType): string => type;
