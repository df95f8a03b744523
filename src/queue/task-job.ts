import { TaskType } from '../core/task-type';

/** A job carries the task id (as jobId) and its immutable params, so a worker needs no read. */
export interface TaskJobData {
  taskType: TaskType;
  params: Record<string, unknown>;
  /** The task's project, so that its events reach only that project's streams (absent in jobs of older versions). */
  project?: string;
}

/** The BullMQ queue of each task type, injected as one record (QueueModule builds it). */
export const TASK_QUEUES = Symbol('TASK_QUEUES');

/** One BullMQ queue per task type, named after it. */
export const queueNameOf = (type: TaskType): string => type;
