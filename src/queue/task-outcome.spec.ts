import {
  TaskCancelledError,
  TaskFailure,
  TaskTimeoutError,
  TransientTaskError,
  WorkerShutdownError,
} from './task-errors';
import { AbortState, outcomeOf } from './task-outcome';

const running: AbortState = {
  reason: undefined,
  aborted: false,
  canHandBack: true,
  attemptsLeft: 2,
};
const busy = (): Error => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('outcomeOf', () => {
  it('hands the job back when the worker is stopping and BullMQ gave a token', () => {
    const state = { ...running, reason: new WorkerShutdownError(), aborted: true };
    expect(outcomeOf(new Error('aborted'), state)).toEqual({ kind: 'hand-back' });
  });

  it('treats a shutdown without a token as a stop, not a hand-back', () => {
    const state = {
      ...running,
      reason: new WorkerShutdownError(),
      aborted: true,
      canHandBack: false,
    };
    expect(outcomeOf(new Error('aborted'), state).kind).toBe('cancelled');
  });

  it('stops quietly when the task was cancelled, whatever the work threw', () => {
    const state = { ...running, reason: new TaskCancelledError(), aborted: true };
    expect(outcomeOf(new TransientTaskError('dropped'), state)).toEqual({ kind: 'cancelled' });
  });

  it('fails a timed-out run for good with the timeout message, even with attempts left', () => {
    const reason = new TaskTimeoutError(30);
    const state = { ...running, reason, aborted: true, attemptsLeft: 5 };
    expect(outcomeOf(new TransientTaskError('dropped'), state)).toEqual({
      kind: 'fail',
      error: reason,
      message: 'Timed out after 30 s',
      expected: true,
    });
  });

  it.each([
    ['a TransientTaskError', new TransientTaskError('SMTP 421'), 'SMTP 421'],
    [
      'a dropped socket',
      Object.assign(new Error('connect ECONNRESET 10.1.2.3:25'), { code: 'ECONNRESET' }),
      'A service the task needs could not be reached (ECONNRESET)',
    ],
    [
      'a SQL error that outlasted its retries',
      busy(),
      'The database was busy or could not be reached',
    ],
  ])('retries %s while attempts are left, saying how many in public words', (_l, error, said) => {
    expect(outcomeOf(error, running)).toEqual({
      kind: 'retry',
      error,
      message: `Attempt failed, 2 left; retrying: ${said}`,
    });
  });

  it('keeps addresses and paths out of the stored message, not out of the error', () => {
    const error = new TransientTaskError(
      "Delivery to a@example.com still failing: connect ECONNREFUSED 127.0.0.1:2525 (open '/srv/data/outbox/x/1.eml')",
    );
    const outcome = outcomeOf(error, { ...running, attemptsLeft: 0 });
    expect(outcome).toMatchObject({
      kind: 'fail',
      message:
        "Delivery to a@example.com still failing: connect ECONNREFUSED <internal address> (open '<internal path>')",
    });
    expect(outcome.kind === 'fail' && outcome.error.message).toContain('127.0.0.1:2525');
  });

  it('fails a transient error on the last attempt, keeping its partial result', () => {
    const error = new TransientTaskError('SMTP 421', { sent_successfully: 3 });
    expect(outcomeOf(error, { ...running, attemptsLeft: 0 })).toEqual({
      kind: 'fail',
      error,
      message: 'SMTP 421',
      partialResult: { sent_successfully: 3 },
      expected: false,
    });
  });

  it('fails a TaskFailure at once, as expected, with its partial result', () => {
    const error = new TaskFailure('No image could be processed', { failed: 2 });
    expect(outcomeOf(error, running)).toMatchObject({
      kind: 'fail',
      message: 'No image could be processed',
      partialResult: { failed: 2 },
      expected: true,
    });
  });

  it('fails a bug at once, as unexpected, and wraps what is not an Error', () => {
    expect(outcomeOf(new TypeError('x is undefined'), running)).toMatchObject({
      kind: 'fail',
      message: 'The task stopped on an internal error; the service log has the details',
      partialResult: undefined,
      expected: false,
    });
    const wrapped = outcomeOf('plain string', running);
    expect(wrapped.kind === 'fail' && wrapped.error).toBeInstanceOf(Error);
    expect(wrapped.kind === 'fail' && wrapped.error.message).toBe('plain string');
  });
});
