import { RedisConnection } from 'bullmq';
import { Cluster } from 'ioredis';
import { AppConfig } from './app-config';
import { bullmqConnection } from './bullmq-connection';
import { validateEnv } from './env';

const settingsFrom = (raw: Record<string, string>) => new AppConfig(validateEnv(raw)).redis;

describe('bullmqConnection', () => {
  afterEach(() => {
    RedisConnection.clientFactory = undefined;
  });

  it('hands BullMQ plain options for one node, leaving its own client making alone', () => {
    expect(bullmqConnection(settingsFrom({ REDIS_URL: 'redis://cache:6380/2' }))).toMatchObject({
      host: 'cache',
      port: 6380,
      db: 2,
    });
    expect(RedisConnection.clientFactory).toBeUndefined();
  });

  it('hands BullMQ Sentinel options: ioredis finds the master', () => {
    expect(
      bullmqConnection(settingsFrom({ REDIS_SENTINELS: 's1:26379', REDIS_SENTINEL_NAME: 'm' })),
    ).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'm' });
    expect(RedisConnection.clientFactory).toBeUndefined();
  });

  it('makes each BullMQ connection a Cluster, keeping the options BullMQ asks for', () => {
    bullmqConnection(settingsFrom({ REDIS_CLUSTER_NODES: 'a:7000,b:7001', REDIS_PASSWORD: 'pw' }));
    const factory = RedisConnection.clientFactory;
    if (!factory) throw new Error('expected a client factory for the cluster');
    const client = factory({
      host: 'ignored',
      maxRetriesPerRequest: null,
      connectionName: 'bull:w',
      lazyConnect: true,
    }) as unknown as Cluster;
    expect(client.isCluster).toBe(true);
    expect(client.options.redisOptions).toMatchObject({
      password: 'pw',
      maxRetriesPerRequest: null,
      connectionName: 'bull:w',
    });
    client.disconnect();
  });
});
