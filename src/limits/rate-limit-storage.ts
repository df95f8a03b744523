import { ThrottlerStorage } from '@nestjs/throttler';
import { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { LimitsRedis } from './limits-redis';

/**
 * The rate limit's counts in Redis: one script call per request, as in
 * @nest-lab/throttler-storage-redis (same script, same keys), but sent by its SHA (EVALSHA,
 * through ioredis' defineCommand) instead of its whole text with every request: at a few
 * hundred requests a second, writing ~1 KB of Lua per request to the socket was a visible share
 * of the API's CPU.
 */
export class RateLimitStorage implements ThrottlerStorage {
  constructor(private readonly redis: LimitsRedis) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = await this.redis.rateHit(
      `{${key}:${throttlerName}}:hits`,
      `{${key}:${throttlerName}}:blocked`,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
