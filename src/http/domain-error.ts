import { ValidationProblem } from '../core/validation-problem';

/** Plain domain errors; DetailExceptionFilter turns them into HTTP answers with a {detail}. */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** Sent as Retry-After: when trying again can succeed. */
  readonly retryAfterSeconds?: number;
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
