import Redis, { Cluster } from 'ioredis';
import { AppConfig } from './app-config';
import { validateEnv } from './env';
import { createRedisClient } from './redis-client';
import { redisOptionsOf } from './redis-options';

const settingsFrom = (raw: Record<string, string>) => new AppConfig(validateEnv(raw)).redis;

describe('createRedisClient', () => {
  it('makes a Redis for one node, with the tuning asked for', () => {
    const client = createRedisClient(settingsFrom({ REDIS_URL: 'redis://cache:6380/3' }), {
      lazyConnect: true,
      keyPrefix: 'p:',
      enableOfflineQueue: false,
    });
    expect(client).toBeInstanceOf(Redis);
    expect(client.options).toMatchObject({
      host: 'cache',
      port: 6380,
      db: 3,
      keyPrefix: 'p:',
      enableOfflineQueue: false,
    });
    client.disconnect();
  });

  it('makes a Cluster from REDIS_CLUSTER_NODES, credentials on every node, masters only', () => {
    const client = createRedisClient(
      settingsFrom({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_PASSWORD: 'pw' }),
      { lazyConnect: true, keyPrefix: '{conveyor}:limits:', maxRetriesPerRequest: 1 },
    );
    expect(client).toBeInstanceOf(Cluster);
    const cluster = client as Cluster;
    expect(cluster.options).toMatchObject({
      keyPrefix: '{conveyor}:limits:',
      scaleReads: 'master',
      redisOptions: { password: 'pw', maxRetriesPerRequest: 1 },
    });
    expect(cluster.options.redisOptions?.tls).toBeUndefined();
    cluster.disconnect();
  });

  it('makes a Redis that finds its master through the sentinels', () => {
    const client = createRedisClient(
      settingsFrom({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'mymaster' }),
      { lazyConnect: true },
    );
    expect(client).toBeInstanceOf(Redis);
    expect((client as Redis).options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
    });
    client.disconnect();
  });
});

describe('redisOptionsOf', () => {
  it('turns TLS on for the master and the sentinels together', () => {
    const settings = settingsFrom({
      REDIS_SENTINELS: 's1:26379',
      REDIS_SENTINEL_NAME: 'm',
      REDIS_TLS: 'true',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'pw',
      REDIS_SENTINEL_PASSWORD: 'spw',
    });
    if (settings.topology.kind !== 'sentinel') throw new Error('expected Sentinel');
    expect(redisOptionsOf(settings.topology)).toEqual({
      username: 'app',
      password: 'pw',
      tls: {},
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'm',
      sentinelPassword: 'spw',
      enableTLSForSentinelMode: true,
    });
  });
});
