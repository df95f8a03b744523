import { JsonObject } from '../core/json';
import { withoutInternals } from '../core/public-text';
import { isTransientSqlError } from '../database/sql-retry';
import {
  TaskFailure,
  TaskTimeoutError,
  TransientTaskError,
  WorkerShutdownError,
} from './task-errors';

/** What becomes of a task whose work threw. */
export type TaskOutcome =
  /** The worker is stopping: the job goes back to the queue for this or another worker. */
  | { kind: 'hand-back' }
  /** It was cancelled: the row already says so. */
  | { kind: 'cancelled' }
  /** A transient failure with attempts left: PENDING while BullMQ waits out the backoff. */
  | { kind: 'retry'; error: Error; message: string }
  /** Failed for good; `expected` when the message is meant for the user (bad data, not a bug). */
  | { kind: 'fail'; error: Error; message: string; partialResult?: JsonObject; expected: boolean };

export interface AbortState {
  /** Why the task's signal aborted, if it did. */
  reason: unknown;
  aborted: boolean;
  /** Whether the job can be moved back to the queue (BullMQ gave a lock token). */
  canHandBack: boolean;
  /** Attempts BullMQ still has for the job after this one. */
  attemptsLeft: number;
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

// A SQL error that outlasted its own retries (sql-retry.ts) may still pass by the next attempt.
const isTransient = (error: Error): boolean =>
  error instanceof TransientTaskError ||
  TRANSIENT_CODES.has((error as { code?: string }).code ?? '') ||
  isTransientSqlError(error);

/**
 * The text stored in the task's error_message, which its submitter reads: the task's own
 * failures (bad data, a refused recipient) as they are, without addresses or paths; anything
 * else (a bug, a driver's error) in general words, its full text kept for the logs.
 */
export function publicErrorMessage(error: Error): string {
  if (error instanceof TaskFailure || error instanceof TransientTaskError) {
    return withoutInternals(error.message);
  }
  const code = (error as { code?: string }).code;
  if (code !== undefined && TRANSIENT_CODES.has(code)) {
    return `A service the task needs could not be reached (${code})`;
  }
  if (isTransientSqlError(error)) return 'The database was busy or could not be reached';
  return 'The task stopped on an internal error; the service log has the details';
}

/** Decides among the outcomes of a task whose work threw `thrown`; pure. */
export function outcomeOf(thrown: unknown, state: AbortState): TaskOutcome {
  if (state.reason instanceof WorkerShutdownError && state.canHandBack)
    return { kind: 'hand-back' };
  // Timed out: failed for good whatever the work threw on its way out, and never retried.
  if (state.reason instanceof TaskTimeoutError) {
    return { kind: 'fail', error: state.reason, message: state.reason.message, expected: true };
  }
  if (state.aborted) return { kind: 'cancelled' };
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (isTransient(error) && state.attemptsLeft > 0) {
    return {
      kind: 'retry',
      error,
      message: `Attempt failed, ${state.attemptsLeft} left; retrying: ${publicErrorMessage(error)}`,
    };
  }
  const partialResult =
    error instanceof TaskFailure || error instanceof TransientTaskError
      ? error.partialResult
      : undefined;
  return {
    kind: 'fail',
    error,
    message: publicErrorMessage(error),
    partialResult,
    expected: error instanceof TaskFailure,
  };
}
