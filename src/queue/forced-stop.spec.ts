import { abortAfter, forcedStop } from './forced-stop';
import { TaskTimeoutError } from './task-errors';

describe('forcedStop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('halts and abandons the run the grace after its signal aborts, with the same reason', async () => {
    const controller = new AbortController();
    const stop = forcedStop(controller.signal, 5000);
    const reason = new TaskTimeoutError(3);
    controller.abort(reason);
    jest.advanceTimersByTime(4999);
    expect(stop.halt.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(stop.halt.aborted).toBe(true);
    expect(stop.halt.reason).toBe(reason);
    await expect(stop.abandoned).rejects.toBe(reason);
  });

  it('never halts a run that was never stopped, nor one disposed of within its grace', () => {
    const quiet = forcedStop(new AbortController().signal, 10);
    const controller = new AbortController();
    const settled = forcedStop(controller.signal, 10);
    controller.abort(new Error('cancelled'));
    settled.dispose();
    quiet.dispose();
    jest.advanceTimersByTime(1000);
    expect(quiet.halt.aborted).toBe(false);
    expect(settled.halt.aborted).toBe(false);
  });

  it('counts the grace from the start for a signal that had already aborted', () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const stop = forcedStop(controller.signal, 0);
    jest.advanceTimersByTime(0);
    expect(stop.halt.aborted).toBe(true);
  });
});

describe('abortAfter', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('aborts with the reason once the seconds pass, and not once cleared', () => {
    const due = new AbortController();
    const cleared = new AbortController();
    abortAfter(due, 2, () => new TaskTimeoutError(2));
    abortAfter(cleared, 2, () => new TaskTimeoutError(2))();
    jest.advanceTimersByTime(1999);
    expect(due.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect((due.signal.reason as Error).message).toBe('Timed out after 2 s');
    expect(cleared.signal.aborted).toBe(false);
  });
});
