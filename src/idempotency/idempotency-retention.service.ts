import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

const SWEEP_EVERY_MS = 10 * 60_000;

/** Purges idempotency keys past their 24 hours, at start and then every 10 minutes (API role). */
@Injectable()
export class IdempotencyRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly keys: IdempotencyService) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const removed = await this.keys.removeExpired();
      if (removed > 0) this.logger.log(`Removed ${removed} expired idempotency keys`);
    } catch (error) {
      this.logger.warn(`Idempotency key sweep failed: ${(error as Error).message}`);
    }
  }
}
