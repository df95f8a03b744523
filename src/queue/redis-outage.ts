import { DiscoveryService } from '@nestjs/core';
import { Queue, QueueBase, Worker } from 'bullmq';
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

/** An ioredis client as far as a shutdown without Redis needs it. */
type ReconnectingClient = Pick<Redis, 'status' | 'on' | 'off'> & {
  /** ioredis' own, private in its types: rejects every command it holds. */
  flushQueue(error: Error): void;
};

const clientOf = async (worker: Worker): Promise<ReconnectingClient> =>
  // BullMQ types its client by the commands it uses itself; the service's is ioredis.
  (await worker.client) as unknown as ReconnectingClient;

/** Watches the workers' connections; `lost` resolves once one of them loses Redis. */
export interface RedisLossWatch {
  lost: Promise<'redis lost'>;
  stop(): void;
}

/**
 * Resolves `lost` when a worker's connection to Redis drops after it answered: ioredis then
 * starts to reconnect ('reconnecting'), where a close of its own would end it instead.
 */
export async function watchRedisLoss(workers: readonly Worker[]): Promise<RedisLossWatch> {
  const clients = await Promise.all(workers.map(clientOf));
  let onLoss = (): void => undefined;
  const lost = new Promise<'redis lost'>((resolve) => (onLoss = () => resolve('redis lost')));
  for (const client of clients) {
    client.on('reconnecting', onLoss);
    if (client.status === 'reconnecting') onLoss();
  }
  return { lost, stop: () => clients.forEach((client) => client.off('reconnecting', onLoss)) };
}

/** Why a worker's commands were dropped: an error BullMQ does not take for a lost connection. */
export const REDIS_GONE_AT_SHUTDOWN = 'Redis went away while the process shut down';

/**
 * Rejects the commands a worker's connection holds for a Redis that is gone, its jobs'
 * acknowledgements among them: a close begun while Redis answered waits for them, and ioredis
 * keeps them while it reconnects, however long, even after disconnect(). BullMQ sends a command
 * that failed for a lost connection again, at once while it closes; for any other error it gives
 * up, hence this one. A connection that is back keeps its commands.
 */
export async function dropCommandsAwaitingRedis(worker: Worker): Promise<void> {
  const client = await clientOf(worker);
  if (client.status !== 'ready') client.flushQueue(new Error(REDIS_GONE_AT_SHUTDOWN));
}
