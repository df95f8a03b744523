import { JsonObject } from '../core/json';

/**
 * A failure that may pass (a dropped connection, an SMTP 4xx that outlasted its retries): the
 * task is tried again with exponential backoff while it has attempts left.
 */
export class TransientTaskError extends Error {
  constructor(
    message: string,
    readonly partialResult?: JsonObject,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TransientTaskError';
  }
}

/** An error whose message is meant for the user as it is (bad data, not a bug). */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly partialResult?: JsonObject,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TaskFailure';
  }
}
