import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { waitFor } from '../../test/utils/wait-for';
import { redisOptionsFromUrl } from '../config/redis-options';
import { StreamEntry, StreamTail } from './stream-tail';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A tail that reaches Redis through a relay the test can cut, as an outage would. */
describe('StreamTail', () => {
  const key = `conveyor-unit-${randomBytes(6).toString('hex')}:tail`;
  const redisUrl = new URL(REDIS_URL);
  const admin = new Redis(redisOptionsFromUrl(REDIS_URL));
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await TcpProxy.start(redisUrl.hostname, Number(redisUrl.port || 6379));
  });

  afterAll(async () => {
    await proxy.cut();
    await admin.del(key);
    await admin.quit();
  });

  /** Waits until the tail's client is between reconnection attempts, its commands held. */
  const reconnecting = (tail: StreamTail) =>
    waitFor('the tail to be reconnecting', () => tail['client'].status === 'reconnecting');

  const tailThroughProxy = (entries: StreamEntry[]) => {
    const url = `redis://127.0.0.1:${proxy.port}`;
    return new StreamTail(
      { url, isDefault: false, topology: { kind: 'single', url } },
      key,
      (entry) => entries.push(entry),
    );
  };

  it('delivers what is added after it started, then stops while Redis is away', async () => {
    await proxy.restore();
    const entries: StreamEntry[] = [];
    const tail = tailThroughProxy(entries);
    await tail.started;
    const id = await admin.xadd(key, '*', 'payload', 'first');
    await waitFor('the entry on the tail', () => entries.some((entry) => entry.id === id));

    // Its read is left waiting in the client's queue while the client tries to reconnect:
    // stopping must not wait for Redis to come back.
    await proxy.cut();
    await reconnecting(tail);
    await expect(tail.stop()).resolves.toBeUndefined();
  }, 10_000);

  it('stops while it has never reached Redis', async () => {
    await proxy.cut();
    const tail = tailThroughProxy([]);
    await reconnecting(tail);
    await expect(tail.stop()).resolves.toBeUndefined();
    await expect(tail.started).resolves.toBeUndefined();
  }, 10_000);
});
