import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { redisOptionsFromUrl } from '../../config/redis-options';
import { SharedSendPacer } from './shared-send-pacer';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two pacers on two connections stand for two worker processes sharing one Redis key. */
describe('SharedSendPacer', () => {
  const key = `conveyor-unit-${randomBytes(6).toString('hex')}:smtp-send-slot`;
  const clients = [0, 1].map(() => new Redis(redisOptionsFromUrl(REDIS_URL)));

  afterAll(async () => {
    await clients[0].del(key);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('spaces the starts of both pacers one interval apart, with no burst', async () => {
    const rate = 20; // 50 ms apart
    const pacers = clients.map((client) => new SharedSendPacer(client, key, rate));
    const startedAt: number[] = [];
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await pacers[i % 2].wait();
        startedAt.push(Date.now());
      }),
    );
    startedAt.sort((a, b) => a - b);
    // Ten slots 50 ms apart put the last about 9 intervals after the first, however the two
    // "processes" interleave; without the shared key each would start 5 in 4 intervals. The
    // bound sits between the two, with an interval's room for a first start seen late on a
    // loaded machine.
    expect(startedAt[9] - startedAt[0]).toBeGreaterThanOrEqual(8 * 50);
  });

  it('stops waiting for its slot when the signal aborts', async () => {
    const pacer = new SharedSendPacer(clients[0], `${key}:abort`, 0.1); // 10 s apart
    await pacer.wait();
    const controller = new AbortController();
    const waiting = pacer.wait(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await clients[0].del(`${key}:abort`);
  });

  it('refuses a rate of zero, which means no pacer at all', () => {
    expect(() => new SharedSendPacer(clients[0], key, 0)).toThrow(RangeError);
  });
});
