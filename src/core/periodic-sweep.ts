import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

/**
 * A clean-up that runs at start and then every `intervalMs` while the application is up. A
 * sweep that outlasts the interval is not started a second time beside itself, and a failed
 * sweep is logged and retried at the next tick instead of stopping the timer.
 */
export abstract class PeriodicSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  /** What the log says failed, e.g. "Audit retention sweep". */
  protected abstract readonly sweepName: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /** How often to sweep; read once at start. */
  protected abstract intervalMs(): number;

  /** One sweep; answers what to log when it did something, or nothing when there was nothing to do. */
  protected abstract sweepOnce(): Promise<string | undefined>;

  /** Whether the first sweep runs at start rather than after one interval. */
  protected sweepsAtStart(): boolean {
    return true;
  }

  onApplicationBootstrap(): void {
    if (this.sweepsAtStart()) void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.intervalMs());
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs one sweep now unless one is already running; resolves when that sweep is over. */
  sweep(): Promise<void> {
    this.running ??= this.sweepOnce()
      .then((done) => {
        if (done) this.logger.log(done);
      })
      .catch((error: unknown) => {
        this.logger.warn(`${this.sweepName} failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
