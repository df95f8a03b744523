import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FilesService } from './files.service';

const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;

/** Removes uploads that no task referenced within FILE_RETENTION_SECONDS (API role). */
@Injectable()
export class FileRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FileRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly files: FilesService,
  ) {}

  onApplicationBootstrap(): void {
    const retention = this.config.uploads.retentionMs;
    const every = Math.max(1000, Math.min(MAX_SWEEP_INTERVAL_MS, retention / 2));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async sweep(): Promise<void> {
    try {
      const removed = await this.files.removeUnusedOlderThan(this.config.uploads.retentionMs);
      if (removed > 0) this.logger.log(`Removed ${removed} upload(s) no task used`);
    } catch (error) {
      this.logger.warn(`Upload retention sweep failed: ${(error as Error).message}`);
    }
  }
}
