import { Logger } from '@nestjs/common';
import { setTimeout as wait } from 'node:timers/promises';
import { waitFor } from '../../test/utils/wait-for';
import {
  CHECK_INTERVAL_MS,
  EVENT_LOOP_WARN_MS,
  EventLoopMonitor,
} from './event-loop-monitor.service';

/** Holds the event loop, as a synchronous busy wait would. */
const blockFor = (ms: number): void => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
};

describe('EventLoopMonitor', () => {
  let monitor: EventLoopMonitor;
  let warn: jest.SpyInstance<void, [unknown]>;

  beforeEach(() => {
    warn = jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation(() => undefined) as unknown as jest.SpyInstance<void, [unknown]>;
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    monitor = new EventLoopMonitor();
    monitor.onApplicationBootstrap();
  });

  afterEach(() => {
    monitor.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  const warnedDelays = (): number[] =>
    warn.mock.calls.map(
      ([entry]) => (entry as { event_loop_delay_ms: number }).event_loop_delay_ms,
    );

  it('warns with the delay measured when the loop was blocked for more than a second', async () => {
    await wait(50);
    blockFor(EVENT_LOOP_WARN_MS + 300);
    // The histogram's timer records the delay once the loop runs again; the monitor's own
    // once-a-second check may be the one that reports it. A loaded machine may add warnings of
    // its own, so look for this block's among them.
    await wait(50);
    monitor.check();
    expect(Math.max(...warnedDelays())).toBeGreaterThanOrEqual(EVENT_LOOP_WARN_MS + 250);
  });

  it('reports a block that starts as its own once-a-second check falls due', async () => {
    // When the block ends, the check and the histogram's sampling timer are both overdue, the
    // check often first. A check that read (and reset) the histogram before the sample was
    // taken lost the block for good; whichever runs first, it must be reported.
    for (const startsAfter of [CHECK_INTERVAL_MS - 8, CHECK_INTERVAL_MS - 2]) {
      monitor.onApplicationShutdown();
      warn.mockClear();
      monitor = new EventLoopMonitor();
      monitor.onApplicationBootstrap();
      await wait(startsAfter);
      blockFor(EVENT_LOOP_WARN_MS + 300);
      await waitFor(
        'the block to be reported',
        () => warnedDelays().some((delay) => delay >= EVENT_LOOP_WARN_MS + 250),
        { timeoutMs: 3 * CHECK_INTERVAL_MS },
      );
    }
  });

  it('measures each interval afresh', async () => {
    await wait(50);
    blockFor(EVENT_LOOP_WARN_MS + 300);
    await wait(50);
    monitor.check();
    warn.mockClear();
    await wait(200);
    // The block was counted by the check before; what is left is this interval's own delay.
    expect(monitor.check()).toBeLessThan(EVENT_LOOP_WARN_MS + 250);
    expect(warnedDelays().every((delay) => delay < EVENT_LOOP_WARN_MS + 250)).toBe(true);
  });

  it('runs no check after shutdown, not even one its interval had already scheduled', async () => {
    const check = jest.spyOn(monitor, 'check');
    // Same period, created after the monitor's interval: in the turn where both are due the
    // interval runs first and schedules its check, then this shuts the monitor down.
    const shutDown = new Promise<void>((resolve) =>
      setTimeout(() => {
        monitor.onApplicationShutdown();
        resolve();
      }, CHECK_INTERVAL_MS),
    );
    await shutDown;
    const checksAtShutdown = check.mock.calls.length;
    await wait(50);
    expect(check.mock.calls.length).toBe(checksAtShutdown);
  });
});
