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
