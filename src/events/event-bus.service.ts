import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';
import { RedisSettings } from '../config/app-config';
import { BusEvent, TaskEvent, TaskLogsEvent } from './task-event';

/**
 * Events go out in batches, one PUBLISH per this many ms at most: for a small task, a socket
 * write and a Redis command per event cost more than the task's own work.
 */
const EVENT_BATCH_MS = 10;
const MAX_EVENT_BATCH = 500;

/**
 * Carries task events and cancel requests between processes over Redis pub/sub, so every API
 * instance sees every worker's updates and a cancel reaches whichever worker runs the task.
 * Events are best effort: the SQL row stays the truth when Redis is away.
 */
@Injectable()
export class EventBus implements OnApplicationShutdown {
  private readonly logger = new Logger(EventBus.name);
  private readonly eventsChannel: string;
  private readonly cancelChannel: string;
  private readonly publisher: RedisClient;
  private readonly redisSettings: RedisSettings;
  private subscriber?: RedisClient;
  private readonly events$ = new Subject<BusEvent>();
  private readonly publishedHere$ = new Subject<BusEvent>();
  private readonly cancels$ = new Subject<string>();
  private batch: BusEvent[] = [];
  private flushTimer?: NodeJS.Timeout;

  constructor(config: AppConfig) {
    this.eventsChannel = `${config.queuePrefix}:events`;
    this.cancelChannel = `${config.queuePrefix}:cancel`;
    // Fail fast while Redis is away instead of queueing publishes in memory.
    this.publisher = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.publisher.on('error', () => undefined);
    this.publisher.connect().catch(() => undefined);
    this.redisSettings = config.redis;
  }

  /** The events of every process, as they arrive over Redis. */
  get events(): Observable<BusEvent> {
    this.ensureSubscribed();
    return this.events$.asObservable();
  }

  get cancels(): Observable<string> {
    this.ensureSubscribed();
    return this.cancels$.asObservable();
  }

  /** The events this very process publishes, as it publishes them (metrics count these). */
  get publishedHere(): Observable<BusEvent> {
    return this.publishedHere$.asObservable();
  }

  publish(event: TaskEvent): void {
    this.send(event);
  }

  /** A batch of a task's new log lines, on the same channel as its other events. */
  publishLogs(event: TaskLogsEvent): void {
    this.send(event);
  }

  private send(event: BusEvent): void {
    this.publishedHere$.next(event);
    this.batch.push(event);
    if (this.batch.length >= MAX_EVENT_BATCH) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), EVENT_BATCH_MS);
  }

  requestCancel(taskId: string): void {
    this.sendTo(this.cancelChannel, taskId);
  }

  async onApplicationShutdown(): Promise<void> {
    this.flush();
    this.events$.complete();
    this.publishedHere$.complete();
    this.cancels$.complete();
    await closeRedisClient(this.publisher);
    this.subscriber?.disconnect();
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.length === 0) return;
    const events = this.batch;
    this.batch = [];
    this.sendTo(this.eventsChannel, JSON.stringify(events));
  }

  private sendTo(channel: string, message: string): void {
    if (this.publisher.status !== 'ready') return;
    this.publisher.publish(channel, message).catch((error: Error) => {
      this.logger.debug(`publish on ${channel} failed: ${error.message}`);
    });
  }

  private ensureSubscribed(): void {
    if (this.subscriber) return;
    this.subscriber = createRedisClient(this.redisSettings);
    this.subscriber.on('error', () => undefined);
    this.subscriber.subscribe(this.eventsChannel, this.cancelChannel).catch(() => undefined);
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.cancelChannel) {
        this.cancels$.next(message);
      } else {
        try {
          const parsed = JSON.parse(message) as BusEvent | BusEvent[];
          for (const event of Array.isArray(parsed) ? parsed : [parsed]) this.events$.next(event);
        } catch {
          this.logger.warn('Ignored a malformed task event');
        }
      }
    });
  }
}
