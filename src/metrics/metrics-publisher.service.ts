import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { createRedisClient, RedisClient } from '../config/redis-client';
import { ConveyorMetrics } from './conveyor-metrics.service';

/** How often each process publishes its snapshot: the most a scrape lags behind a worker. */
export const METRICS_PUBLISH_INTERVAL_MS = 5_000;
/** A snapshot outlives a few missed publishes, then drops out with the process that stopped. */
export const METRICS_SNAPSHOT_TTL_MS = 4 * METRICS_PUBLISH_INTERVAL_MS;

/** The set naming every process that published; members whose key expired are pruned on read. */
export const metricsIndexKey = (queuePrefix: string): string => `${queuePrefix}:metrics`;
export const metricsKey = (queuePrefix: string, processId: string): string =>
  `${queuePrefix}:metrics:${processId}`;

/**
 * How the fleet's metrics reach one scrape: workers have no HTTP port, so every process (API
 * instances too) writes its registry as JSON to a Redis key with a TTL every
 * METRICS_PUBLISH_INTERVAL_MS, and whichever API instance is scraped merges them with its own.
 * Chosen over counters kept in Redis hashes because it carries everything a process measures,
 * histograms and Node's default metrics included, with no Redis write per task.
 */
@Injectable()
export class MetricsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsPublisher.name);
  private readonly redis: RedisClient;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: ConveyorMetrics,
  ) {
    this.redis = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.redis.on('error', () => undefined);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
    await this.publish();
    this.timer = setInterval(() => void this.publish(), METRICS_PUBLISH_INTERVAL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const prefix = this.config.queuePrefix;
    try {
      await this.redis
        .multi()
        .del(metricsKey(prefix, this.metrics.processId))
        .srem(metricsIndexKey(prefix), this.metrics.processId)
        .exec();
      await this.redis.quit();
    } catch {
      // Redis is away: the snapshot expires by itself.
      this.redis.disconnect();
    }
  }

  private async publish(): Promise<void> {
    if (this.stopped) return;
    const prefix = this.config.queuePrefix;
    try {
      const snapshot = JSON.stringify(await this.metrics.snapshot());
      await this.redis
        .multi()
        .set(metricsKey(prefix, this.metrics.processId), snapshot, 'PX', METRICS_SNAPSHOT_TTL_MS)
        .sadd(metricsIndexKey(prefix), this.metrics.processId)
        .exec();
    } catch (error) {
      this.logger.debug(`metrics snapshot not published: ${(error as Error).message}`);
    }
  }
}
