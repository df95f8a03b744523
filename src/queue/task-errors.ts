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

/** The abort reason when a worker stops before its task is done: the task is handed back. */
export class WorkerShutdownError extends Error {
  constructor() {
    super('The worker is shutting down');
    this.name = 'WorkerShutdownError';
  }
}

export class TaskCancelledError extends Error {
  constructor() {
    super('The task was cancelled');
    this.name = 'TaskCancelledError';
  }
}

/** The abort reason when a run outlasts its timeout_seconds: the task FAILS with this message. */
export class TaskTimeoutError extends Error {
  constructor(readonly seconds: number) {
    super(`Timed out after ${seconds} s`);
    this.name = 'TaskTimeoutError';
  }
}
