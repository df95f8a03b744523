import { DomainError } from '../http/domain-error';

/** A limit of §8 was reached: the detail names it and its value; 429s say when to try again. */
export class LimitExceededError extends DomainError {
  constructor(
    readonly status: 413 | 429,
    detail: string,
    /** Seconds until trying again can succeed; sent as Retry-After. */
    override readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}
