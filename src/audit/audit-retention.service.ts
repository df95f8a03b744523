import { Injectable } from '@nestjs/common';
import { PeriodicSweep } from '../core/periodic-sweep';
import { AuditService } from './audit.service';

/** Deletes audit entries older than AUDIT_RETENTION_DAYS, at start and then hourly (API role). */
@Injectable()
export class AuditRetention extends PeriodicSweep {
  protected readonly sweepName = 'Audit retention sweep';

  constructor(private readonly audit: AuditService) {
    super();
  }

  protected intervalMs(): number {
    return 60 * 60_000;
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const removed = await this.audit.removeExpired();
    if (removed === 0) return undefined;
    return `Removed ${removed} audit entr${removed === 1 ? 'y' : 'ies'} past retention`;
  }
}
