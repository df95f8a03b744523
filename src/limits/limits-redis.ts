import { OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';

/** Adds `count` to a day's counter unless that would pass `limit`; answers the new total or -1. */
const RESERVE_SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total > tonumber(ARGV[2]) then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return -1
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
return total`;

/**
 * The API's connection for limits: rate counts and daily e-mail counts, under the queue prefix.
 * Commands fail at once while Redis is away instead of queueing in memory. In a cluster the
 * prefix carries the queue prefix's hash tag, so that each script's keys share one slot.
 */
export class LimitsRedis implements OnApplicationShutdown {
  readonly client: RedisClient;

  constructor(config: AppConfig) {
    this.client = createRedisClient(config.redis, {
      keyPrefix: `${config.queuePrefix}:limits:`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.client.on('error', () => undefined);
  }

  /** One round trip: adds `amount` to `key` within `limit`, keeping it `ttlSeconds`. */
  async reserve(key: string, amount: number, limit: number, ttlSeconds: number): Promise<boolean> {
    const total = (await this.eval(RESERVE_SCRIPT, 1, key, amount, limit, ttlSeconds)) as number;
    return total >= 0;
  }

  async release(key: string, amount: number): Promise<void> {
    await this.client.decrby(key, amount);
  }

  eval(
    script: string,
    numberOfKeys: number,
    ...keysAndArgs: (string | number)[]
  ): Promise<unknown> {
    return this.client.eval(script, numberOfKeys, ...keysAndArgs);
  }

  disconnect(): void {
    this.client.disconnect();
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.client);
  }
}
