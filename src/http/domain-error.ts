import { ValidationProblem } from '../core/validation-problem';
import { MAX_PROBLEMS } from './request-shape';

/** Plain domain errors; DetailExceptionFilter turns them into HTTP answers with a {detail}. */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Sent as Retry-After: when trying again can succeed. */
  readonly retryAfterSeconds?: number;
}

/** A 422 listing the first MAX_PROBLEMS problems: enough to fix a request, cheap to answer. */
export class RequestValidationError extends DomainError {
  readonly status = 422;
  readonly problems: ValidationProblem[];
  constructor(problems: ValidationProblem[]) {
    const listed = problems.slice(0, MAX_PROBLEMS);
    super(listed.map((p) => `${p.loc.join('.')}: ${p.msg}`).join('; '));
    this.problems = listed;
  }
}

export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  constructor(contentType: string) {
    super(`Unsupported content type '${contentType}'; send the body as application/json`);
  }
}
