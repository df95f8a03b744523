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
import {
  dropCommandsAwaitingRedis,
  providersOf,
  redisAnswers,
  watchRedisLoss,
} from './redis-outage';

/** How often a shutdown without Redis looks whether the running tasks have ended. */
const DRAIN_POLL_MS = 100;
/**
 * How long a drain that lost Redis keeps dropping the workers' waiting commands for their close
 * to end; past it, the process's last-resort exit (main.ts) is what is left.
 */
const DROP_COMMANDS_MS = 10_000;

/**
 * Starts the workers once the app is up, with the configured concurrency and global rate, and
 * drains them and the webhook deliveries' workers on shutdown: no new jobs, active tasks get
 * SHUTDOWN_GRACE_MS to finish, then are handed back to the queue for another worker (with Redis
 * away, see closeWithoutRedis). This runs before the database, Redis and SMTP connections close
 * (their providers close in onApplicationShutdown), so the last sends and status writes land.
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
    const taskWorkers = this.processors().map(({ processor }) => processor.worker);
    // The webhook deliveries drain with the tasks: closed later by @nestjs/bullmq, their close
    // would wait without end for a Redis that died once the task workers had closed.
    const workers = [...taskWorkers, ...this.otherWorkers(taskWorkers)];
    if (await redisAnswers(workers[0])) await this.closeGracefully(workers);
    else await this.closeWithoutRedis(workers);
  }

  /**
   * Closes the workers once their running tasks end, within SHUTDOWN_GRACE_MS; those still
   * running then are handed back to the queue. Should Redis go away meanwhile, the close would
   * wait for it (their acknowledgements wait in the connections): the running tasks still get
   * the rest of the grace period, then the workers close without Redis.
   */
  private async closeGracefully(workers: Worker[]): Promise<void> {
    const graceEnds = Date.now() + this.config.shutdownGraceMs;
    this.logger.log(
      `Draining the workers: ${this.cancels.runningCount} running task(s) get up to ${this.config.shutdownGraceMs} ms to end`,
    );
    const closing = Promise.all(workers.map((worker) => worker.close())).then(
      () => 'closed' as const,
    );
    const redis = await watchRedisLoss(workers);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), this.config.shutdownGraceMs);
    });
    try {
      let outcome = await Promise.race([closing, graceOver, redis.lost]);
      if (outcome === 'grace over') {
        const handedBack = this.cancels.abortAll(new WorkerShutdownError());
        this.logger.warn(
          `Shutdown grace period over: handing ${handedBack} active task(s) back to the queue`,
        );
        outcome = await Promise.race([closing, redis.lost]);
      }
      if (outcome === 'redis lost') await this.finishWithoutRedis(workers, closing, graceEnds);
    } finally {
      clearTimeout(timer);
      redis.stop();
    }
  }

  /** Redis went away during closeGracefully: `closing` is the workers' close, still waiting. */
  private async finishWithoutRedis(
    workers: Worker[],
    closing: Promise<'closed'>,
    graceEnds: number,
  ): Promise<void> {
    this.logger.warn(
      `Redis went away while the workers drained: closing them without it, after ${this.cancels.runningCount} running task(s) end`,
    );
    await this.awaitRunningTasks(graceEnds);
    // A task stopped or ended just now may still queue its acknowledgement: drop until closed.
    const giveUpAt = Date.now() + DROP_COMMANDS_MS;
    while (Date.now() < giveUpAt) {
      await Promise.all(workers.map(dropCommandsAwaitingRedis));
      if ((await Promise.race([closing, delay(DRAIN_POLL_MS)])) === 'closed') break;
    }
  }

  /**
   * BullMQ's close waits for Redis to take its last commands, so with Redis down it would wait
   * until Redis came back, however idle the worker. Nothing can be fetched, acknowledged or
   * handed back meanwhile: running tasks still get the grace period to finish their work, then
   * the workers close without Redis, the webhook deliveries' too. A job left unacknowledged
   * comes back through BullMQ's stalled check once Redis does, and the recovery sweep finds any
   * task left RUNNING.
   */
  private async closeWithoutRedis(workers: Worker[]): Promise<void> {
    const running = this.cancels.runningCount;
    this.logger.warn(
      `Redis does not answer: closing the workers without it, after ${running} running task(s) end`,
    );
    await this.awaitRunningTasks(Date.now() + this.config.shutdownGraceMs);
    await Promise.all(workers.map((worker) => worker.close(true)));
  }

  /** Waits for the running tasks to end until `graceEnds`, then stops those still running. */
  private async awaitRunningTasks(graceEnds: number): Promise<void> {
    while (this.cancels.runningCount > 0 && Date.now() < graceEnds) await delay(DRAIN_POLL_MS);
    const stopped = this.cancels.abortAll(new WorkerShutdownError());
    if (stopped > 0)
      this.logger.warn(
        `Shutdown grace period over: stopping ${stopped} task(s); their jobs return once Redis does`,
      );
  }

  /** The process's other BullMQ workers (webhook deliveries). */
  private otherWorkers(taskWorkers: Worker[]): Worker[] {
    return providersOf(this.discovery, WorkerHost)
      .map((host) => host.worker)
      .filter((worker) => !taskWorkers.includes(worker));
  }
}
