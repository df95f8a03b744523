import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EventLoopUtilization, performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import {
  fullCollector,
  heapBytes,
  IdleHeapPolicy,
  youngGenerationBytes,
} from './idle-heap-release';

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
    this.timer = setInterval(() => {
      this.looks++;
      // The loop's idle and active time since the last look add up to the time between looks.
      const { utilization, idle, active } = performance.eventLoopUtilization(last);
      last = performance.eventLoopUtilization();
      const before = heapBytes();
      if (!policy.observe({ utilization, heapBytes: before, elapsedMs: idle + active })) return;
      const started = performance.now();
      collect();
      this.releases++;
      const after = heapBytes();
      const young = youngGenerationBytes();
      policy.collected(after, young);
      // The collection's own time is not idle time for the next look.
      last = performance.eventLoopUtilization();
      this.logger.debug({
        heap_before_mb: Math.round(before / 1048576),
        heap_after_mb: Math.round(after / 1048576),
        young_generation_mb: Math.round(young / 1048576),
        collect_ms: Math.round(performance.now() - started),
        msg: 'Idle: heap collected',
      });
    }, this.checkIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
