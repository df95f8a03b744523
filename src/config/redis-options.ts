import type { ClusterOptions, RedisOptions } from 'ioredis';
import { RedisNodeAuth, RedisTopology } from './app-config';

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.replace(/^\//, '');
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: db ? Number(db) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

function nodeAuthOptions(auth: RedisNodeAuth): RedisOptions {
  return {
    username: auth.username,
    password: auth.password,
    tls: auth.tls ? {} : undefined,
  };
}

/**
 * Options of one ioredis `Redis` for a single node or a master found through Sentinel; ioredis
 * asks the sentinels again for the master after a failover.
 */
export function redisOptionsOf(
  topology: Exclude<RedisTopology, { kind: 'cluster' }>,
): RedisOptions {
  if (topology.kind === 'single') return redisOptionsFromUrl(topology.url);
  return {
    ...nodeAuthOptions(topology.auth),
    sentinels: topology.sentinels,
    name: topology.name,
    sentinelPassword: topology.sentinelPassword,
    enableTLSForSentinelMode: topology.auth.tls,
  };
}

/** Options of an ioredis `Cluster` (the start nodes are given apart). */
export function clusterOptionsOf(
  topology: Extract<RedisTopology, { kind: 'cluster' }>,
  perNode: RedisOptions = {},
): ClusterOptions {
  return {
    redisOptions: { ...nodeAuthOptions(topology.auth), ...perNode },
    // Reads go to masters: a replica may not have the write that came just before.
    scaleReads: 'master',
    // After a master fails, its replica takes over within cluster-node-timeout plus an
    // election: retry a command that met a moved, failed or down slot rather than fail it.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    maxRedirections: 32,
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
    // TLS certificates name the host the client was given, not the address a node reports.
    ...(topology.auth.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}
