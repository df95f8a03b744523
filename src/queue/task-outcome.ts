import { JsonObject } from '../core/json';
import { isTransientSqlError } from '../database/sql-retry';
import { TaskFailure, TransientTaskError, WorkerShutdownError } from './task-errors';

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

/** Decides among the outcomes of a task whose work threw `thrown`; pure. */
export function outcomeOf(thrown: unknown, state: AbortState): TaskOutcome {
  if (state.reason instanceof WorkerShutdownError && state.canHandBack)
    return { kind: 'hand-back' };
  if (state.aborted) return { kind: 'cancelled' };
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  if (isTransient(error) && state.attemptsLeft > 0) {
    return {
      kind: 'retry',
      error,
      message: `Attempt failed, ${state.attemptsLeft} left; retrying: ${error.message}`,
    };
  }
  const partialResult =
    error instanceof TaskFailure || error instanceof TransientTaskError
      ? error.partialResult
      : undefined;
  return {
    kind: 'fail',
    error,
    message: error.message,
    partialResult,
    expected: error instanceof TaskFailure,
  };
}
