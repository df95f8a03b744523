import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { removeKeysUnder } from '../../test/utils/redis-keys';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { waitFor } from '../../test/utils/wait-for';
import { closeQueueWithoutRedis, redisAnswers } from './redis-outage';

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
