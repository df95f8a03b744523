import { OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../config/redis-options';

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
 * Commands fail at once while Redis is away instead of queueing in memory.
 */
export class LimitsRedis extends Redis implements OnApplicationShutdown {
  constructor(config: AppConfig) {
    super({
      ...redisOptionsFromUrl(config.redis.url),
      keyPrefix: `${config.queuePrefix}:limits:`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    this.on('error', () => undefined);
  }

  /** One round trip: adds `amount` to `key` within `limit`, keeping it `ttlSeconds`. */
  async reserve(key: string, amount: number, limit: number, ttlSeconds: number): Promise<boolean> {
    const total = (await this.eval(RESERVE_SCRIPT, 1, key, amount, limit, ttlSeconds)) as number;
    return total >= 0;
  }

  async release(key: string, amount: number): Promise<void> {
    await this.decrby(key, amount);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.status === 'ready') await this.quit().catch(() => undefined);
    else this.disconnect();
  }
}
