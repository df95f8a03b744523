import { DomainError } from '../http/domain-error';
import { IDEMPOTENCY_HEADER } from './idempotency-request';

export class IdempotencyKeyReusedError extends DomainError {
  readonly status = 409;
  constructor() {
    super(
      `This ${IDEMPOTENCY_HEADER} was already used with another request (method, path or body); use a new key for a new request`,
    );
  }
}

export class IdempotencyKeyInProgressError extends DomainError {
  readonly status = 409;
  override readonly retryAfterSeconds = 1;
  constructor() {
    super(
      `A request with this ${IDEMPOTENCY_HEADER} is still in progress; send it again shortly to get its answer`,
    );
  }
}
