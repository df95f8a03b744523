import { Injectable } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';

/**
 * Where files live under DATA_DIR and the URLs task outputs are served at: the one place they
 * are spelled, so that another store (an object store, say) has one class to replace.
 */
@Injectable()
export class StoragePaths {
  /** Uploads, each under its file id; never under the client's name. */
  readonly uploadDir: string;
  private readonly dataDir: string;

  constructor(config: AppConfig) {
    this.dataDir = config.dataDir;
    this.uploadDir = join(this.dataDir, 'uploads');
  }

  uploadPath(fileId: string): string {
    return join(this.uploadDir, fileId);
  }

  /** The files a task keeps as its result, served by GET /api/tasks/:id/files/:name. */
  outputDir(taskId: string): string {
    return join(this.dataDir, 'tasks', taskId, 'outputs');
  }

  outputPath(taskId: string, name: string): string {
    return join(this.outputDir(taskId), name);
  }

  outputUrl(taskId: string, name: string): string {
    return `/api/tasks/${taskId}/files/${encodeURIComponent(name)}`;
  }

  /** The .eml files of a task's e-mail when no SMTP_URL is set. */
  outboxDir(taskId: string): string {
    return join(this.dataDir, 'outbox', taskId);
  }
}
