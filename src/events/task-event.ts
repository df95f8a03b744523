import { TaskStatus } from '../core/task-status';
import { TaskType } from '../core/task-type';

/** What a dashboard or client sees on GET /api/events, in the wire's snake_case. */
export interface TaskEvent {
  type: 'created' | 'status' | 'progress';
  task_id: string;
  task_type: TaskType;
  status: TaskStatus;
  progress: number;
  at: string;
  /** The task's project, for routing: /api/events sends each subscriber only its own project's
   * events, and leaves this field out of what it sends. */
  project: string;
}

/** The one way a task event is built, so that every publisher sends the same shape. */
export function taskEvent(
  type: TaskEvent['type'],
  task: { id: string; taskType: TaskType; project: string },
  status: TaskStatus,
  progress: number,
  at: Date = new Date(),
): TaskEvent {
  return {
    type,
    task_id: task.id,
    task_type: task.taskType,
    status,
    progress,
    at: at.toISOString(),
    project: task.project,
  };
}

/** How much a task log line matters to its reader. */
export const TASK_LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type TaskLogLevel = (typeof TASK_LOG_LEVELS)[number];

/** One line of a task's own log, as GET /api/tasks/{id}/logs and the `logs` event carry it. */
export interface TaskLogLineWire {
  seq: number;
  at: string;
  level: TaskLogLevel;
  message: string;
}

/**
 * New lines of one task's log, sent at most every TASK_LOG_FLUSH_MS per task: the reader
 * fetches GET /api/tasks/{id}/logs?after=<last seq it holds> when the first seq is not the next
 * one it expects (a batch cut short, or one missed while it was away).
 */
export interface TaskLogsEvent {
  type: 'logs';
  task_id: string;
  task_type: TaskType;
  lines: TaskLogLineWire[];
  /** For routing only, as in TaskEvent. */
  project: string;
}

/** What travels on the event bus: task events and task log batches. */
export type BusEvent = TaskEvent | TaskLogsEvent;
