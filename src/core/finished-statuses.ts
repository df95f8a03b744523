import { TaskStatus } from './task-status';

/**
 * The statuses a task never leaves: what retention may delete and what a failed-items retry
 * starts from. Listed, not "anything but running", so that a status added later (one a task
 * waits in, say) is never taken for finished.
 */
export const FINISHED_STATUSES: readonly TaskStatus[] = ['SUCCESS', 'FAILED', 'CANCELLED'];
