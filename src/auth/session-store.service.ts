import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';
import { KEY_CACHE_MS } from './key-authenticator.service';
import { hashKey } from './key-secret';

const MAX_CACHED = 10_000;

/**
 * The dashboard's sessions: a random token in an HttpOnly cookie, and in Redis (shared by every
 * API instance, expiring by itself) the hash of the token mapped to the hash of the key it was
 * made from. Neither the token nor the key is stored as such, and revoking the key ends its
 * sessions, since each request still resolves the key.
 */
@Injectable()
export class SessionStore implements OnApplicationShutdown {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { keyHash: string | null; until: number }>();

  constructor(config: AppConfig) {
    this.redis = createRedisClient(config.redis, { lazyConnect: true });
    this.redis.on('error', () => undefined);
    this.prefix = `${config.queuePrefix}:session:`;
    this.ttlMs = config.auth.sessionTtlMs;
  }

  get maxAgeMs(): number {
    return this.ttlMs;
  }

  /** Opens a session for a key already authenticated; answers the token for the cookie. */
  async open(keyHash: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(this.prefix + hashKey(token), keyHash, 'PX', this.ttlMs);
    return token;
  }

  /** The hash of the key behind a session token, or null when there is no such session. */
  async keyHashOf(token: string): Promise<string | null> {
    const tokenHash = hashKey(token);
    const now = Date.now();
    const cached = this.cache.get(tokenHash);
    if (cached && cached.until > now) return cached.keyHash;
    const keyHash = await this.redis.get(this.prefix + tokenHash);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(tokenHash, { keyHash, until: Date.now() + KEY_CACHE_MS });
    return keyHash;
  }

  async close(token: string): Promise<void> {
    const tokenHash = hashKey(token);
    this.cache.delete(tokenHash);
    await this.redis.del(this.prefix + tokenHash);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}
