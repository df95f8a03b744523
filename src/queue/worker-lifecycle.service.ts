import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { TASK_TYPES } from '../core/task-type';
import { CancelRegistry } from './cancel-registry';
import { rateLimiterOptions } from './rate-limiter-options';
import { WorkerShutdownError } from './task-errors';
import { PROCESSORS } from '../task-types/processors';

/**
 * Starts the workers once the app is up, with the configured concurrency and global rate, and
 * drains them on shutdown: no new jobs, active ones get SHUTDOWN_GRACE_MS to finish, then are
 * handed back to the queue for another worker. This runs before the database, Redis and SMTP
 * connections close (their providers close in onApplicationShutdown), so the last sends and status
 * writes land.
 */
@Injectable()
export class WorkerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerLifecycle.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    private readonly cancels: CancelRegistry,
  ) {}

  private processors() {
    return TASK_TYPES.map((type) => ({
      type,
      processor: this.moduleRef.get(PROCESSORS[type], { strict: false }),
    }));
  }

  onApplicationBootstrap(): void {
    for (const { type, processor } of this.processors()) {
      const worker = processor.worker;
      worker.concurrency = this.config.concurrency[type];
      // Read by BullMQ on each fetch; the same setting on every worker makes the rate global.
      worker.opts.limiter = rateLimiterOptions(this.config.ratePerSecond[type]);
      worker
        .run()
        .catch((error: Error) => this.logger.error(`${type} worker stopped: ${error.message}`));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    const closing = Promise.all(this.processors().map(({ processor }) => processor.worker.close()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), this.config.shutdownGraceMs);
    });
    if ((await Promise.race([closing, graceOver])) === 'grace over') {
      const handedBack = this.cancels.abortAll(new WorkerShutdownError());
      this.logger.warn(
        `Shutdown grace period over: handing ${handedBack} active task(s) back to the queue`,
      );
      await closing;
    }
    clearTimeout(timer);
  }
}
