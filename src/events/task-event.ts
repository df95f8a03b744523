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
}
