import { TaskStatus } from '../database/task-status';
import { TaskType } from '../database/task-type';

/** What a dashboard or client sees on GET /api/events, in the wire's snake_case. */
export interface TaskEvent {
  type: 'created' | 'status' | 'progress';
  task_id: string;
  task_type: TaskType;
  status: TaskStatus;
  progress: number;
  at: string;
}
