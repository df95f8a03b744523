import type { Task, TaskEvent, TaskStatus } from '../api/types';

// How far along a task is; events and fetched rows can arrive in either order.
const STAGE: Record<TaskStatus, number> = {
  SCHEDULED: 0,
  PENDING: 0,
  RUNNING: 1,
  SUCCESS: 2,
  FAILED: 2,
  CANCELLED: 2,
};

/**
 * A task with a live event applied. A terminal status always wins; progress only moves forward
 * while RUNNING, except when a re-delivered task starts over.
 */
export function applyEvent(task: Task, event: TaskEvent): Task {
  if (task.id !== event.task_id) return task;
  if (STAGE[task.status] === 2) return task;
  if (event.type === 'progress') {
    if (event.progress <= task.progress && task.status === 'RUNNING') return task;
    return { ...task, status: 'RUNNING', progress: event.progress };
  }
  if (event.type === 'status') {
    const progress =
      event.status === 'RUNNING' && task.status === 'RUNNING' ? task.progress : event.progress;
    return { ...task, status: event.status, progress };
  }
  return task;
}

/**
 * A freshly fetched task merged with the latest event seen for it, so a list fetched just before
 * an event does not step the row back. Returns the fetched task when it is as far along.
 */
export function reconcile(fetched: Task, latest: TaskEvent | undefined): Task {
  if (!latest || latest.task_id !== fetched.id) return fetched;
  if (STAGE[latest.status] > STAGE[fetched.status]) return applyEvent(fetched, latest);
  if (
    latest.status === 'RUNNING' &&
    fetched.status === 'RUNNING' &&
    latest.progress > fetched.progress
  ) {
    return { ...fetched, progress: latest.progress };
  }
  return fetched;
}
