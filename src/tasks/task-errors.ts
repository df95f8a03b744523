import { RETRYABLE_STATUSES, TaskStatus } from '../core/task-status';
import { TASK_TYPES } from '../core/task-type';
import { DomainError } from '../http/domain-error';

export class TaskNotFoundError extends DomainError {
  readonly status = 404;
  constructor() {
    super('Task not found');
  }
}

export class UnknownTaskTypeError extends DomainError {
  readonly status = 400;
  constructor() {
    super(`Invalid task type. Must be one of: ${TASK_TYPES.join(', ')}`);
  }
}

export class CannotCancelError extends DomainError {
  readonly status = 400;
  constructor(status: TaskStatus) {
    super(`Cannot cancel task with status: ${status}`);
  }
}

export class CannotRetryError extends DomainError {
  readonly status = 400;
  constructor(status: TaskStatus) {
    super(
      `Cannot retry task with status: ${status}. Only ${RETRYABLE_STATUSES.join(' or ')} tasks can be retried.`,
    );
  }
}

/** POST /api/tasks/{id}/retry?only=failed_items on a task with nothing to retry. */
export class NoFailedItemsError extends DomainError {
  readonly status = 400;
}
