import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import { fullCollector, heapBytes, IdleHeapPolicy } from './idle-heap-release';

/** How often the process looks at its event loop and heap; cheap (two reads). */
export const HEAP_CHECK_INTERVAL_MS = 2_000;

/**
 * Gives a burst's garbage back to the system once the process has been idle for
 * HEAP_RELEASE_IDLE_MS, in every role (see IdleHeapPolicy for why V8 alone may not).
 */
@Injectable()
export class IdleHeapRelease implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdleHeapRelease.name);
  private timer?: NodeJS.Timeout;
  protected readonly checkIntervalMs: number = HEAP_CHECK_INTERVAL_MS;
  /** Looks taken and collections made since start-up. */
  looks = 0;
  releases = 0;

  constructor(private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    const idleMs = this.config.heapReleaseIdleMs;
    if (idleMs === 0) return;
    const collect = fullCollector();
    const policy = new IdleHeapPolicy(idleMs);
    let last: EventLoopUtilization = performance.eventLoopUtilization();
    let lastAt = performance.now();
    this.timer = setInterval(() => {
      this.looks++;
      const now = performance.now();
      const utilization = performance.eventLoopUtilization(last).utilization;
      last = performance.eventLoopUtilization();
      const before = heapBytes();
      if (!policy.observe({ utilization, heapBytes: before, elapsedMs: now - lastAt })) {
        lastAt = now;
        return;
      }
      collect();
      this.releases++;
      const after = heapBytes();
      policy.collected(after);
      // The collection's own time is not idle time for the next look.
      last = performance.eventLoopUtilization();
      lastAt = performance.now();
      this.logger.debug({
        heap_before_mb: Math.round(before / 1048576),
        heap_after_mb: Math.round(after / 1048576),
        collect_ms: Math.round(lastAt - now),
        msg: 'Idle: heap collected',
      });
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
