import { TASK_TYPES } from '../core/task-type';
import { RETRYABLE_STATUSES, TaskStatus } from '../core/task-status';

/** One problem with a request, in the shape FastAPI clients already parse. */
export interface ValidationProblem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Plain domain errors; DetailExceptionFilter turns them into HTTP answers with a {detail}. */
export abstract class DomainError extends Error {
  abstract readonly status: number;
}

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

export class RequestValidationError extends DomainError {
  readonly status = 422;
  constructor(readonly problems: ValidationProblem[]) {
    super(problems.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; '));
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  constructor(contentType: string) {
    super(`Unsupported content type '${contentType}'; send the body as application/json`);
  }
}
