import {
  TaskCancelledError,
  TaskFailure,
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

  it.each([
    ['a TransientTaskError', new TransientTaskError('SMTP 421')],
    ['a dropped socket', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a SQL error that outlasted its retries', busy()],
  ])('retries %s while attempts are left, saying how many', (_label, error) => {
    expect(outcomeOf(error, running)).toEqual({
      kind: 'retry',
      error,
      message: `Attempt failed, 2 left; retrying: ${error.message}`,
    });
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
      message: 'x is undefined',
      partialResult: undefined,
      expected: false,
    });
    const wrapped = outcomeOf('plain string', running);
    expect(wrapped).toMatchObject({ kind: 'fail', message: 'plain string' });
    expect(wrapped.kind === 'fail' && wrapped.error).toBeInstanceOf(Error);
  });
});
