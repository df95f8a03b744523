import { OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';

const LOCK_KEY = 'lock';
/** Deletes the lock only while it is still ours: one that expired and was taken is left alone. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * One retention sweep at a time across every API instance: a Redis key set only if absent,
 * with an expiry, so that an instance that dies mid-sweep holds it no longer than that.
 */
export class RetentionLock implements OnApplicationShutdown {
  private readonly redis: RedisClient;

  constructor(config: AppConfig) {
    this.redis = createRedisClient(config.redis, {
      keyPrefix: `${config.queuePrefix}:retention:`,
      maxRetriesPerRequest: 1,
    });
    this.redis.on('error', () => undefined);
  }

  /** A token to release with, or null when another instance is sweeping. */
  async acquire(ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const answer = await this.redis.set(LOCK_KEY, token, 'PX', ttlMs, 'NX');
    return answer === 'OK' ? token : null;
  }

  async release(token: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, LOCK_KEY, token);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
