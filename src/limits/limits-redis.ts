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
 * One request against a rate limit: counts the hit in a window of `ttl` ms and blocks the key for
 * `blockDuration` ms once past `limit`. Answers [hits, ms left in the window, blocked 0/1, ms left
 * of the block]. The logic of @nest-lab/throttler-storage-redis's script, which this replaces.
 */
const RATE_HIT_SCRIPT = `
local hitKey = KEYS[1]
local blockKey = KEYS[2]
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockDuration = tonumber(ARGV[3])
local totalHits = redis.call('INCR', hitKey)
local timeToExpire = redis.call('PTTL', hitKey)
if timeToExpire <= 0 then
  redis.call('PEXPIRE', hitKey, ttl)
  timeToExpire = ttl
end
local isBlocked = redis.call('GET', blockKey)
local timeToBlockExpire = 0
if isBlocked then
  timeToBlockExpire = redis.call('PTTL', blockKey)
elseif totalHits > limit then
  redis.call('SET', blockKey, 1, 'PX', blockDuration)
  isBlocked = '1'
  timeToBlockExpire = blockDuration
end
if isBlocked and timeToBlockExpire <= 0 then
  redis.call('DEL', blockKey)
  redis.call('SET', hitKey, 1, 'PX', ttl)
  totalHits = 1
  timeToExpire = ttl
  isBlocked = false
end
return { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }`;

/** The scripts below, registered by name: ioredis sends their SHA, and the text only once. */
interface LimitScripts {
  conveyorReserve(key: string, amount: number, limit: number, ttlSeconds: number): Promise<number>;
  conveyorRateHit(
    hitKey: string,
    blockKey: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<[number, number, number, number]>;
}

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
    this.client.defineCommand('conveyorReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    this.client.defineCommand('conveyorRateHit', { numberOfKeys: 2, lua: RATE_HIT_SCRIPT });
  }

  private get scripts(): LimitScripts {
    // defineCommand adds the methods at run time; ioredis' types cannot know them.
    return this.client as unknown as LimitScripts;
  }

  /** One round trip: adds `amount` to `key` within `limit`, keeping it `ttlSeconds`. */
  async reserve(key: string, amount: number, limit: number, ttlSeconds: number): Promise<boolean> {
    return (await this.scripts.conveyorReserve(key, amount, limit, ttlSeconds)) >= 0;
  }

  /** One rate-limited request, in one round trip (see RATE_HIT_SCRIPT). */
  async rateHit(
    hitKey: string,
    blockKey: string,
    ttl: number,
    limit: number,
    blockDuration: number,
  ): Promise<[number, number, number, number]> {
    const answer = await this.scripts.conveyorRateHit(hitKey, blockKey, ttl, limit, blockDuration);
    if (!Array.isArray(answer) || answer.length !== 4 || answer.some((n) => typeof n !== 'number'))
      throw new TypeError(`Unexpected answer from the rate limit script: ${String(answer)}`);
    return answer;
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
