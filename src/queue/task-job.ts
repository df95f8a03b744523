import { TaskType } from '../core/task-type';
import type { TraceCarrier } from '../telemetry/spans';

/**
 * A job carries the task id (as jobId), its immutable params and its project, so a worker
 * needs no read. Jobs queued before projects existed carry none: they are in `default`.
 */
export interface TaskJobData {
  taskType: TaskType;
  params: Record<string, unknown>;
  project?: string;
  /** A SCHEDULED task's run_at (ISO-8601): the worker moves the row to PENDING when it starts. */
  runAt?: string;
  /** The task's timeout_seconds; jobs queued before timeouts existed take the type's default. */
  timeoutSeconds?: number;
  /** The submit's trace context (W3C traceparent), when tracing is on: the run is its child. */
  trace?: TraceCarrier;
}

/** The BullMQ queue of each task type, injected as one record (QueueModule builds it). */
export const TASK_QUEUES = Symbol('TASK_QUEUES');

/** One BullMQ queue per task type, named after it. */
export const queueNameOf = (type: TaskType): string => type;
