import { Injectable } from '@nestjs/common';
import { PeriodicSweep } from '../core/periodic-sweep';
import { IdempotencyService } from './idempotency.service';

/** Purges idempotency keys past their 24 hours, at start and then every 10 minutes (API role). */
@Injectable()
export class IdempotencyRetention extends PeriodicSweep {
  protected readonly sweepName = 'Idempotency key sweep';

  constructor(private readonly keys: IdempotencyService) {
    super();
  }

  protected intervalMs(): number {
    return 10 * 60_000;
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const removed = await this.keys.removeExpired();
    return removed > 0 ? `Removed ${removed} expired idempotency keys` : undefined;
  }
}
