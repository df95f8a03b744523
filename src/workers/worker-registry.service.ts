import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import { createRedisClient, RedisClient } from '../config/redis-client';
import { TASK_TYPES } from '../core/task-type';
import {
  heartbeatIntervalMs,
  RunningTaskEntry,
  WorkerRecord,
  workerKey,
  workersIndexKey,
} from './worker-record';

/** A started or finished task is told at most this late, instead of at the next beat. */
const CHANGE_BEAT_DELAY_MS = 50;

/**
 * Registers this worker process in Redis and keeps its record fresh: a key with a TTL of
 * WORKER_HEARTBEAT_TTL_SECONDS, rewritten a few times per TTL, so a process that dies without
 * a word drops out of the list on its own. A clean shutdown deletes the record after the
 * workers have drained.
 */
@Injectable()
export class WorkerRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerRegistry.name);
  private readonly redis: RedisClient;
  private readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = new Date().toISOString();
  private readonly running = new Map<string, RunningTaskEntry>();
  private beatTimer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly config: AppConfig) {
    this.redis = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    // A missed beat is logged where it happens; the client's own errors would only repeat it.
    this.redis.on('error', () => undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
    await this.beat();
    this.beatTimer = setInterval(
      () => void this.beat(),
      heartbeatIntervalMs(this.config.workerHeartbeatTtlMs),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.beatTimer);
    clearTimeout(this.changeTimer);
    const prefix = this.config.queuePrefix;
    try {
      await this.redis
        .multi()
        .del(workerKey(prefix, this.id))
        .srem(workersIndexKey(prefix), this.id)
        .exec();
      await this.redis.quit();
    } catch {
      // Redis is away: the record expires by itself.
      this.redis.disconnect();
    }
  }

  taskStarted(task: RunningTaskEntry): void {
    this.running.set(task.id, task);
    this.beatSoon();
  }

  taskFinished(taskId: string): void {
    if (this.running.delete(taskId)) this.beatSoon();
  }

  /** The record as written on the next beat. */
  record(now = new Date()): WorkerRecord {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      taskTypes: [...TASK_TYPES],
      concurrency: { ...this.config.concurrency },
      running: [...this.running.values()],
      startedAt: this.startedAt,
      lastHeartbeat: now.toISOString(),
    };
  }

  private beatSoon(): void {
    if (this.stopped) return;
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      void this.beat();
    }, CHANGE_BEAT_DELAY_MS);
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    const prefix = this.config.queuePrefix;
    try {
      await this.redis
        .multi()
        .set(
          workerKey(prefix, this.id),
          JSON.stringify(this.record()),
          'PX',
          this.config.workerHeartbeatTtlMs,
        )
        .sadd(workersIndexKey(prefix), this.id)
        .exec();
    } catch (error) {
      this.logger.warn(`worker heartbeat not saved: ${(error as Error).message}`);
    }
  }
}
