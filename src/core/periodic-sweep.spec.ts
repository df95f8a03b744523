import { Logger } from '@nestjs/common';
import { PeriodicSweep } from './periodic-sweep';

/** A sweep whose runs the test finishes by hand. */
class ManualSweep extends PeriodicSweep {
  protected readonly sweepName = 'Manual sweep';
  readonly started: Array<{ finish: (text?: string) => void; fail: (error: Error) => void }> = [];

  protected intervalMs(): number {
    return 1000;
  }

  protected sweepOnce(): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.started.push({ finish: resolve, fail: reject });
    });
  }
}

describe('PeriodicSweep', () => {
  let log: jest.SpyInstance;
  let warn: jest.SpyInstance;

  beforeEach(() => {
    jest.useFakeTimers();
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('sweeps at start and on every interval, logging what a sweep did', async () => {
    const sweep = new ManualSweep();
    sweep.onApplicationBootstrap();
    expect(sweep.started).toHaveLength(1);
    sweep.started[0].finish('Removed 3 things');
    await jest.advanceTimersByTimeAsync(1000);
    expect(sweep.started).toHaveLength(2);
    sweep.started[1].finish(undefined);
    await sweep.onApplicationShutdown();
    expect(log.mock.calls).toEqual([['Removed 3 things']]);
  });

  it('never runs a sweep beside one still running', async () => {
    const sweep = new ManualSweep();
    sweep.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3500);
    expect(sweep.started).toHaveLength(1);
    sweep.started[0].finish();
    await jest.advanceTimersByTimeAsync(1000);
    expect(sweep.started).toHaveLength(2);
    sweep.started[1].finish();
    await sweep.onApplicationShutdown();
  });

  it('logs a failed sweep and sweeps again at the next tick', async () => {
    const sweep = new ManualSweep();
    sweep.onApplicationBootstrap();
    sweep.started[0].fail(new Error('database is locked'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(warn).toHaveBeenCalledWith('Manual sweep failed: database is locked');
    expect(sweep.started).toHaveLength(2);
    sweep.started[1].finish();
    await sweep.onApplicationShutdown();
  });

  it('stops the timer at shutdown and waits for the sweep in progress', async () => {
    const sweep = new ManualSweep();
    sweep.onApplicationBootstrap();
    let stopped = false;
    const shutdown = sweep.onApplicationShutdown().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(5000);
    expect(stopped).toBe(false);
    sweep.started[0].finish();
    await shutdown;
    expect(stopped).toBe(true);
    expect(sweep.started).toHaveLength(1);
  });
});
