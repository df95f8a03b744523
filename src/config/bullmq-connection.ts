import { createIORedisClient, RedisConnection } from 'bullmq';
import { Cluster, RedisOptions } from 'ioredis';
import { RedisSettings } from './app-config';
import { clusterOptionsOf, redisOptionsOf } from './redis-options';

/**
 * BullMQ's connection options for the configured topology. For one node and for Sentinel these
 * are plain ioredis options: each queue, worker and blocking connection makes and closes its
 * own client, as before. BullMQ makes a plain `Redis` from options, so for a cluster its client
 * factory is pointed at an ioredis `Cluster` with the same per-connection options: each BullMQ
 * connection still owns its client (and closes it), and BullMQ's own cluster handling of
 * blocking commands applies.
 */
export function bullmqConnection(settings: RedisSettings): RedisOptions {
  const { topology } = settings;
  if (topology.kind !== 'cluster') {
    RedisConnection.clientFactory = undefined;
    return redisOptionsOf(topology);
  }
  RedisConnection.clientFactory = (options: RedisOptions) => {
    const { maxRetriesPerRequest, connectionName, enableOfflineQueue } = options;
    const cluster = new Cluster(topology.nodes, {
      ...clusterOptionsOf(topology, { maxRetriesPerRequest, connectionName }),
      ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    });
    return createIORedisClient(cluster);
  };
  // Read by the factory above only; BullMQ wants options to hand it.
  return { host: topology.nodes[0].host, port: topology.nodes[0].port };
}
