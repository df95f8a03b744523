import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { SQLITE_AUTOCHECKPOINT_PAGES } from './data-source';
import {
  FALLBACK_AUTOCHECKPOINT_PAGES,
  WAL_CHECKPOINT_INTERVAL_MS,
  WalCheckpointThreadData,
} from './wal-checkpoint';

/**
 * On SQLite, moves WAL checkpoints off the event loop. Left to SQLite, the commit that fills the
 * WAL past its threshold runs the checkpoint itself, synchronously: about every 330 submits the
 * API stood still some 30 ms, and the requests arriving then waited. A thread with a connection
 * of its own checkpoints instead, and the main connection only past a far higher threshold;
 * should the thread fail, the main connection takes the usual threshold back.
 */
@Injectable()
export class WalCheckpointer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WalCheckpointer.name);
  private thread?: Worker;
  /** Settles when the thread has ended, whether it was told to stop or failed before. */
  private threadExited?: Promise<unknown>;
  private stopping = false;
  private takenBack = false;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.database.kind !== 'sqlite') return;
    const workerData: WalCheckpointThreadData = {
      path: this.config.database.path,
      intervalMs: WAL_CHECKPOINT_INTERVAL_MS,
    };
    let thread: Worker;
    try {
      thread = new Worker(join(__dirname, 'wal-checkpoint.thread.js'), { workerData });
    } catch (error) {
      this.takeBack(`could not start: ${(error as Error).message}`);
      return;
    }
    // Stopped on shutdown; it must not be what keeps a process alive that is otherwise done.
    thread.unref();
    this.thread = thread;
    this.threadExited = new Promise((resolve) => thread.once('exit', resolve));
    thread.once('online', () => {
      if (!this.takenBack) this.setAutocheckpoint(FALLBACK_AUTOCHECKPOINT_PAGES);
    });
    thread.once('error', (error) => this.takeBack(`failed: ${error.message}`));
    thread.once('exit', (code) => {
      if (!this.stopping) this.takeBack(`stopped (exit code ${code})`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.thread?.postMessage('stop');
    await this.threadExited;
  }

  private takeBack(why: string): void {
    // A failing thread reports an error and then its exit: one warning, one switch.
    if (this.takenBack) return;
    this.takenBack = true;
    this.logger.warn(
      `The WAL checkpoint thread ${why}; checkpoints go back to the main connection`,
    );
    this.setAutocheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
  }

  private setAutocheckpoint(pages: number): void {
    if (!this.dataSource.isInitialized) return;
    const driver = this.dataSource.driver as unknown as { databaseConnection: Database };
    driver.databaseConnection.pragma(`wal_autocheckpoint = ${pages}`);
  }
}
