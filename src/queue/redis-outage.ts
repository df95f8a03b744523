import { DiscoveryService } from '@nestjs/core';
import { Queue, QueueBase } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';

type Pingable = Pick<Redis, 'ping'>;

/** How long a shutdown waits to learn whether Redis answers. */
const REDIS_CHECK_MS = 1_000;

/**
 * Whether Redis answers a queue's or worker's connection within REDIS_CHECK_MS. The status alone
 * is not enough: a signal that comes right after Redis died can be handled before the closed
 * socket is, while the client still says 'ready'.
 */
export async function redisAnswers(owner: QueueBase | undefined): Promise<boolean> {
  if (!owner) return true;
  const answers = owner.client.then(
    async (client) =>
      // BullMQ types its client by the commands it uses itself; the service's is ioredis.
      client.status === 'ready' && (await (client as unknown as Pingable).ping()) === 'PONG',
  );
  return Promise.race([answers, delay(REDIS_CHECK_MS, false, { ref: false })]).catch(() => false);
}

/** The providers of the application that are instances of `type`: its queues, its workers. */
export function providersOf<T>(
  discovery: DiscoveryService,
  type: abstract new (...args: never[]) => T,
): T[] {
  return discovery
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is T => instance instanceof type);
}

/** BullMQ's connection as far as a forced close needs it (RedisConnection, not exported). */
interface ClosableConnection {
  close(force: boolean): Promise<void>;
}

/**
 * Closes a queue's connection at once. Queue.close() quits politely, and a QUIT held while the
 * client waits to reconnect is never answered, so it would wait until Redis came back; the
 * connection's forced close disconnects instead, and Queue.close() afterwards finds it closed.
 * The connection is not public, hence the cast.
 */
export function closeQueueWithoutRedis(queue: Queue): Promise<void> {
  return (queue as unknown as { connection: ClosableConnection }).connection.close(true);
}
