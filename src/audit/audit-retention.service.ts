import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from './audit.service';

const SWEEP_EVERY_MS = 60 * 60_000;

/** Deletes audit entries older than AUDIT_RETENTION_DAYS, at start and then hourly (API role). */
@Injectable()
export class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly audit: AuditService) {}

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
      const removed = await this.audit.removeExpired();
      if (removed > 0)
        this.logger.log(
          `Removed ${removed} audit entr${removed === 1 ? 'y' : 'ies'} past retention`,
        );
    } catch (error) {
      this.logger.warn(`Audit retention sweep failed: ${(error as Error).message}`);
    }
  }
}
