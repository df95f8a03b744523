import { Injectable } from '@nestjs/common';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { AppConfig } from '../config/app-config';
import { LimitExceededError } from './limit-errors';
import { LimitsRedis } from './limits-redis';

const WINDOW_SECONDS = 60;
/** Addresses remembered as held back by one instance; past it the expired ones are dropped. */
const MAX_HELD = 10_000;

/** One round trip: counts a failure in the address's minute, answering the count and its TTL. */
const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}`;

/**
 * AUTH_FAILURES_PER_MINUTE per client address, counted in Redis across API instances. An
 * instance that sees the count pass the limit holds the address back itself until the minute
 * ends, so a refused address costs neither a key look-up nor a round trip; a valid key sent
 * from it meanwhile is refused too, as with any lock-out.
 */
@Injectable()
export class RedisFailedAuthLimiter extends FailedAuthLimiter {
  private readonly heldUntil = new Map<string, number>();

  constructor(
    private readonly redis: LimitsRedis,
    private readonly config: AppConfig,
  ) {
    super();
  }

  assertAllowed(address: string): void {
    const until = this.heldUntil.get(address);
    if (until === undefined) return;
    const seconds = Math.ceil((until - Date.now()) / 1000);
    if (seconds <= 0) {
      this.heldUntil.delete(address);
      return;
    }
    throw new LimitExceededError(
      429,
      `Too many unknown API keys from this address: AUTH_FAILURES_PER_MINUTE is ${this.config.limits.authFailuresPerMinute}; try again in ${seconds} s`,
      seconds,
    );
  }

  async recordFailure(address: string): Promise<void> {
    let answer: [number, number];
    try {
      answer = (await this.redis.eval(COUNT_SCRIPT, 1, `authfail:${address}`, WINDOW_SECONDS)) as [
        number,
        number,
      ];
    } catch {
      return; // Redis away: the 401 stands on its own, as with the rate limit.
    }
    const [count, ttl] = answer;
    if (count < this.config.limits.authFailuresPerMinute) return;
    if (this.heldUntil.size >= MAX_HELD) this.dropExpired();
    this.heldUntil.set(address, Date.now() + Math.max(ttl, 1) * 1000);
  }

  private dropExpired(): void {
    const now = Date.now();
    for (const [address, until] of this.heldUntil) if (until <= now) this.heldUntil.delete(address);
    if (this.heldUntil.size >= MAX_HELD) this.heldUntil.clear();
  }
}
