import Redis, { Cluster } from 'ioredis';
import { RedisSettings } from './app-config';
import { clusterOptionsOf, redisOptionsOf } from './redis-options';

/** A connection to whichever topology is configured: one node, Sentinel, or a cluster. */
export type RedisClient = Redis | Cluster;

/** What each user of Redis chooses for its own connection; the topology comes from the settings. */
export interface RedisClientTuning {
  keyPrefix?: string;
  /** false: commands fail at once while Redis is away instead of waiting in memory. */
  enableOfflineQueue?: boolean;
  lazyConnect?: boolean;
  maxRetriesPerRequest?: number | null;
  connectionName?: string;
}

const defined = <T extends object>(options: T): Partial<T> =>
  Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as Partial<T>;

/**
 * The one place a Redis connection is made (§12): every service that talks to Redis, and BullMQ
 * through bullmq-connection.ts, gets its client here, so that REDIS_URL, REDIS_CLUSTER_NODES and
 * REDIS_SENTINELS reach every one of them alike.
 */
export function createRedisClient(
  settings: RedisSettings,
  tuning: RedisClientTuning = {},
): RedisClient {
  const { topology } = settings;
  const { keyPrefix, enableOfflineQueue, lazyConnect, ...perNode } = tuning;
  if (topology.kind === 'cluster') {
    return new Cluster(topology.nodes, {
      ...clusterOptionsOf(topology, defined(perNode)),
      ...defined({ keyPrefix, enableOfflineQueue, lazyConnect }),
    });
  }
  return new Redis({ ...redisOptionsOf(topology), ...defined(tuning) });
}

/** Closes a client politely when it is connected, at once otherwise. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}
