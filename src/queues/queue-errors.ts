import { TASK_TYPES } from '../core/task-type';
import { DomainError } from '../http/domain-error';

export class UnknownQueueError extends DomainError {
  readonly status = 404;
  constructor(name: string) {
    super(
      `There is no queue '${name.slice(0, 100)}'; the queues are the task types: ${TASK_TYPES.join(', ')}`,
    );
  }
}

/** Queues are shared by every project: steering one is for keys of all projects. */
export class QueueControlForbiddenError extends DomainError {
  readonly status = 403;
  constructor(project: string) {
    super(
      `Pausing and resuming a queue stops or starts that task type for every project, so it needs a key of every project (project *, which only admin keys can have); this key is of project ${project}`,
    );
  }
}
