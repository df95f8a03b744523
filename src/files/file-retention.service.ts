import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PeriodicSweep } from '../core/periodic-sweep';
import { FilesService, PENDING_UPLOAD_ABANDONED_MS } from './files.service';

const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Removes uploads that no task referenced within FILE_RETENTION_SECONDS, and the objects of
 * uploads a dying process left unregistered (API role).
 */
@Injectable()
export class FileRetention extends PeriodicSweep {
  protected readonly sweepName = 'Upload retention sweep';

  constructor(
    private readonly config: AppConfig,
    private readonly files: FilesService,
  ) {
    super();
  }

  protected intervalMs(): number {
    const retention = this.config.uploads.retentionMs;
    return Math.max(1000, Math.min(MAX_SWEEP_INTERVAL_MS, retention / 2));
  }

  protected async sweepOnce(): Promise<string | undefined> {
    const removed = await this.files.removeUnusedOlderThan(this.config.uploads.retentionMs);
    const abandoned = await this.files.removeAbandonedOlderThan(PENDING_UPLOAD_ABANDONED_MS);
    const said = [
      removed > 0 ? `Removed ${removed} upload(s) no task used` : '',
      abandoned > 0
        ? `Removed ${abandoned} upload(s) left unregistered by a process that stopped`
        : '',
    ].filter(Boolean);
    return said.length > 0 ? said.join('; ') : undefined;
  }
}
