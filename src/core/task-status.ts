/** SCHEDULED (§9) is listed last so the five statuses of §1 keep their order on the wire. */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'CANCELLED',
  'SCHEDULED',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a task may be retried from (the retry creates a new task). */
export const RETRYABLE_STATUSES: readonly TaskStatus[] = ['FAILED', 'CANCELLED'];

/**
 * The allowed transitions of CONTRACT §1 and §9; RUNNING→PENDING only on re-delivery after a
 * crash; SCHEDULED→PENDING once the task's run_at has come.
 */
const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  PENDING: ['RUNNING', 'CANCELLED'],
  RUNNING: ['SUCCESS', 'FAILED', 'CANCELLED', 'PENDING'],
  SUCCESS: [],
  FAILED: [],
  CANCELLED: [],
  SCHEDULED: ['PENDING', 'CANCELLED'],
};

export const canTransition = (from: TaskStatus, to: TaskStatus): boolean =>
  TRANSITIONS[from].includes(to);

/** The statuses from which a move to `to` is allowed: the WHERE clause of a conditional update. */
export const sourcesOf = (to: TaskStatus): TaskStatus[] =>
  TASK_STATUSES.filter((from) => canTransition(from, to));
