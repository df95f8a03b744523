import { DiscoveryService } from '@nestjs/core';
import { Queue, QueueBase } from 'bullmq';
import { setTimeout as delay } from 'node:timers/promises';

/** How long a shutdown waits to learn whether Redis answers. */
const REDIS_CHECK_MS = 1_000;

/** Whether a queue's or worker's Redis connection is up, without waiting on Redis to answer. */
export async function redisAnswers(owner: QueueBase | undefined): Promise<boolean> {
  if (!owner) return true;
  const status = owner.client.then((client) => client.status === 'ready');
  return Promise.race([status, delay(REDIS_CHECK_MS, false, { ref: false })]).catch(() => false);
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
