import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';
import { TaskStore } from '../database/task-store';
import { QueueControl } from '../queue/queue-control.service';
import { WorkerDirectory } from '../workers/worker-directory.service';
import { ConveyorMetrics } from './conveyor-metrics.service';
import { FleetReadings, fleetGauges } from './fleet-gauges';
import { MetricSnapshot, mergeSnapshots, parseSnapshot } from './merge-metrics';
import { metricsIndexKey, metricsKey } from './metrics-publisher.service';

/** A scrape within this long of the last one is answered with the same text. */
export const METRICS_CACHE_MS = 2_000;

/**
 * GET /api/metrics for one API instance: its own metrics, every other process's published
 * snapshot and the fleet gauges, merged. The whole text is kept METRICS_CACHE_MS, and
 * scrapes that arrive together share one build: a scrape every 5 s costs a few SQL rows,
 * three BullMQ counts and two Redis reads.
 */
@Injectable()
export class MetricsService implements OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  private readonly redis: RedisClient;
  private cached?: { text: Promise<string>; at: number };

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: ConveyorMetrics,
    private readonly store: TaskStore,
    private readonly queues: QueueControl,
    private readonly workers: WorkerDirectory,
  ) {
    this.redis = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
  }

  text(now = Date.now()): Promise<string> {
    if (!this.cached || now - this.cached.at >= METRICS_CACHE_MS) {
      const text = this.build();
      this.cached = { text, at: now };
      // A failed build is not kept: the next scrape tries again.
      text.catch(() => (this.cached = undefined));
    }
    return this.cached.text;
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }

  private async build(): Promise<string> {
    const [own, peers, fleet] = await Promise.all([
      this.metrics.snapshot(),
      this.peers(),
      this.readings().then(fleetGauges),
    ]);
    return mergeSnapshots([own, ...peers, fleet]);
  }

  /** The other processes' snapshots; none when Redis does not answer (the scrape still does). */
  private async peers(): Promise<MetricSnapshot[]> {
    const prefix = this.config.queuePrefix;
    try {
      const ids = (await this.redis.smembers(metricsIndexKey(prefix))).filter(
        (id) => id !== this.metrics.processId,
      );
      if (ids.length === 0) return [];
      const texts = await this.redis.mget(ids.map((id) => metricsKey(prefix, id)));
      const gone = ids.filter((_id, index) => texts[index] === null);
      if (gone.length > 0) await this.redis.srem(metricsIndexKey(prefix), ...gone);
      return texts.map(parseSnapshot).filter((snapshot) => snapshot !== undefined);
    } catch (error) {
      this.logger.warn(`other processes' metrics not read: ${(error as Error).message}`);
      return [];
    }
  }

  /** Each part on its own: one source that fails leaves its gauge out, not the whole scrape. */
  private async readings(): Promise<FleetReadings> {
    const part = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await read();
      } catch (error) {
        this.logger.warn(`${what} not read for the metrics: ${(error as Error).message}`);
        return undefined;
      }
    };
    const [taskCounts, waiting, workers] = await Promise.all([
      part('task counts', () => this.store.countsByTypeAndStatus()),
      part('queue counts', async () =>
        Object.fromEntries(
          (await this.queues.states()).map((state) => [state.task_type, state.waiting]),
        ),
      ),
      part('worker list', async () =>
        (await this.workers.list(undefined)).map((worker) => worker.task_types),
      ),
    ]);
    return { taskCounts, waiting, workers };
  }
}
