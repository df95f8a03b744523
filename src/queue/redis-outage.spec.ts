import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { removeKeysUnder } from '../../test/utils/redis-keys';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { waitFor } from '../../test/utils/wait-for';
import {
  closeQueueWithoutRedis,
  dropCommandsAwaitingRedis,
  REDIS_GONE_AT_SHUTDOWN,
  redisAnswers,
  watchRedisLoss,
} from './redis-outage';

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_URL = new URL(REDIS);

/** A queue that reaches Redis through a relay the test can stall or cut. */
describe('redisAnswers', () => {
  let proxy: TcpProxy;
  let queue: Queue;
  let prefix: string;

  beforeEach(async () => {
    proxy = await TcpProxy.start(REDIS_URL.hostname, Number(REDIS_URL.port || 6379));
    prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
    queue = new Queue('outage', { connection: { host: '127.0.0.1', port: proxy.port }, prefix });
    await queue.waitUntilReady();
  });

  afterEach(async () => {
    await proxy.cut();
    await closeQueueWithoutRedis(queue);
    await removeKeysUnder(REDIS, prefix);
  });

  const status = async (): Promise<string> => (await queue.client).status;

  it('is true while Redis answers', async () => {
    expect(await redisAnswers(queue)).toBe(true);
  });

  // As when a shutdown signal is handled before the socket Redis closed as it died.
  it('is false when Redis stops answering while the connection still looks ready', async () => {
    proxy.stall();
    expect(await status()).toBe('ready');
    expect(await redisAnswers(queue)).toBe(false);
  });

  it('is false while the connection waits to reconnect', async () => {
    await proxy.cut();
    await waitFor('the queue to be reconnecting', async () => (await status()) === 'reconnecting');
    expect(await redisAnswers(queue)).toBe(false);
  });
});

/** A worker (not running: no jobs) whose connection goes through a relay the test can cut. */
describe('a worker losing Redis', () => {
  let proxy: TcpProxy;
  let worker: Worker;
  let prefix: string;

  beforeEach(async () => {
    proxy = await TcpProxy.start(REDIS_URL.hostname, Number(REDIS_URL.port || 6379));
    prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
    worker = new Worker('outage', null, {
      connection: { host: '127.0.0.1', port: proxy.port },
      prefix,
      autorun: false,
    });
    await worker.waitUntilReady();
  });

  afterEach(async () => {
    await proxy.cut();
    await worker.close(true);
    await removeKeysUnder(REDIS, prefix);
  });

  const client = async () => (await worker.client) as unknown as Redis;
  const pending = Symbol('pending');
  const settledYet = (promise: Promise<unknown>) =>
    Promise.race([promise, new Promise((resolve) => setImmediate(() => resolve(pending)))]);

  it('watchRedisLoss resolves once the connection drops, not while Redis answers', async () => {
    const watch = await watchRedisLoss([worker]);
    expect(await (await client()).ping()).toBe('PONG');
    expect(await settledYet(watch.lost)).toBe(pending);

    await proxy.cut();
    expect(await watch.lost).toBe('redis lost');
    watch.stop();
    expect((await client()).listenerCount('reconnecting')).toBe(0);
  });

  it('watchRedisLoss resolves at once for a connection already waiting to reconnect', async () => {
    await proxy.cut();
    await waitFor(
      'the worker to be reconnecting',
      async () => (await client()).status === 'reconnecting',
    );
    const watch = await watchRedisLoss([worker]);
    expect(await settledYet(watch.lost)).toBe('redis lost');
    watch.stop();
  });

  it('dropCommandsAwaitingRedis rejects what waits for a lost Redis, with an error BullMQ gives up on', async () => {
    await proxy.cut();
    await waitFor(
      'the worker to be reconnecting',
      async () => (await client()).status === 'reconnecting',
    );
    const waiting = (await client()).get('some-key');
    expect(await settledYet(waiting)).toBe(pending);

    await dropCommandsAwaitingRedis(worker);
    await expect(waiting).rejects.toThrow(REDIS_GONE_AT_SHUTDOWN);
  });

  it('dropCommandsAwaitingRedis leaves a connection that answers alone', async () => {
    const answer = (await client()).ping();
    await dropCommandsAwaitingRedis(worker);
    expect(await answer).toBe('PONG');
  });
});
