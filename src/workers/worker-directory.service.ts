import { Injectable, OnApplicationShutdown, ServiceUnavailableException } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';
import {
  byStartThenId,
  parseWorkerRecord,
  viewOfWorker,
  workerKey,
  workersIndexKey,
} from './worker-record';
import { WorkerResponse } from './worker.response';

/** Reads the live worker processes from Redis for the API; knows nothing of how tasks run. */
@Injectable()
export class WorkerDirectory implements OnApplicationShutdown {
  private readonly redis: RedisClient;

  constructor(private readonly config: AppConfig) {
    // Fail fast while Redis is away (a 503) instead of holding the request until it is back.
    this.redis = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.redis.on('error', () => undefined);
    this.redis.connect().catch(() => undefined);
  }

  /** Every worker with a live record, as `project` may see it (undefined: every project). */
  async list(project: string | undefined): Promise<WorkerResponse[]> {
    try {
      return await this.read(project);
    } catch (error) {
      throw new ServiceUnavailableException(
        `The worker list is kept in Redis, which did not answer (${(error as Error).message}); try again once Redis is reachable`,
      );
    }
  }

  private async read(project: string | undefined): Promise<WorkerResponse[]> {
    const prefix = this.config.queuePrefix;
    const ids = await this.redis.smembers(workersIndexKey(prefix));
    if (ids.length === 0) return [];
    const texts = await this.redis.mget(ids.map((id) => workerKey(prefix, id)));
    const gone = ids.filter((_id, index) => texts[index] === null);
    // A worker that died without a word leaves its id in the index; its record has expired.
    if (gone.length > 0) await this.redis.srem(workersIndexKey(prefix), ...gone);
    return texts
      .map(parseWorkerRecord)
      .filter((record) => record !== undefined)
      .map((record) => viewOfWorker(record, project))
      .sort(byStartThenId);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
