import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { WorkerHost } from '@nestjs/bullmq';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../config/app-config';
import { TASK_TYPES } from '../core/task-type';
import { CancelRegistry } from './cancel-registry';
import { rateLimiterOptions } from './rate-limiter-options';
import { WorkerShutdownError } from './task-errors';
import { PROCESSORS } from '../task-types/processors';
import { providersOf, redisAnswers } from './redis-outage';

/** How often a shutdown without Redis looks whether the running tasks have ended. */
const DRAIN_POLL_MS = 100;

/**
 * Starts the workers once the app is up, with the configured concurrency and global rate, and
 * drains them on shutdown: no new jobs, active ones get SHUTDOWN_GRACE_MS to finish, then are
 * handed back to the queue for another worker (with Redis away, see closeWithoutRedis). This
 * runs before the database, Redis and SMTP connections close (their providers close in
 * onApplicationShutdown), so the last sends and status writes land.
 */
@Injectable()
export class WorkerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerLifecycle.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
    private readonly cancels: CancelRegistry,
    private readonly discovery: DiscoveryService,
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
    const workers = this.processors().map(({ processor }) => processor.worker);
    if (await redisAnswers(workers[0])) await this.closeGracefully(workers);
    else await this.closeWithoutRedis(workers, this.otherWorkers(workers));
  }

  private async closeGracefully(workers: Worker[]): Promise<void> {
    const closing = Promise.all(workers.map((worker) => worker.close()));
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

  /**
   * BullMQ's close waits for Redis to take its last commands, so with Redis down it would wait
   * until Redis came back, however idle the worker. Nothing can be fetched, acknowledged or
   * handed back meanwhile: running tasks still get the grace period to finish their work, then
   * the workers close without Redis, the webhook deliveries' too. A job left unacknowledged
   * comes back through BullMQ's stalled check once Redis does, and the recovery sweep finds any
   * task left RUNNING.
   */
  private async closeWithoutRedis(workers: Worker[], others: Worker[]): Promise<void> {
    const running = this.cancels.runningCount;
    this.logger.warn(
      `Redis does not answer: closing the workers without it, after ${running} running task(s) end`,
    );
    const graceEnds = Date.now() + this.config.shutdownGraceMs;
    while (this.cancels.runningCount > 0 && Date.now() < graceEnds) await delay(DRAIN_POLL_MS);
    const stopped = this.cancels.abortAll(new WorkerShutdownError());
    if (stopped > 0)
      this.logger.warn(
        `Shutdown grace period over: stopping ${stopped} task(s); their jobs return once Redis does`,
      );
    await Promise.all([...workers, ...others].map((worker) => worker.close(true)));
  }

  /** The process's other BullMQ workers (webhook deliveries), which BullMQ closes otherwise. */
  private otherWorkers(taskWorkers: Worker[]): Worker[] {
    return providersOf(this.discovery, WorkerHost)
      .map((host) => host.worker)
      .filter((worker) => !taskWorkers.includes(worker));
  }
}
