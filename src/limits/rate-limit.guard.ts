import { ExecutionContext, HttpException, Injectable, Logger } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import { AuthenticatedRequest } from '../auth/principal';
import { clientKey } from './client-key';
import { LimitExceededError } from './limit-errors';

/**
 * RATE_LIMIT_PER_MINUTE per caller, counted in Redis (one script call per request) so that it
 * holds across API instances. Registered after the authentication guard, so that it counts per
 * key; every route of a caller shares one count.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger(RateLimitGuard.name);

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(clientKey(request as unknown as AuthenticatedRequest));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `rate:${tracker}`;
  }

  /** Redis away: the request goes through (the limit protects the service, Redis is its part). */
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    try {
      return await super.handleRequest(request);
    } catch (error) {
      if (error instanceof HttpException || error instanceof LimitExceededError) throw error;
      this.log.warn(`Rate limit not checked: ${(error as Error).message}`);
      return true;
    }
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    return Promise.reject(
      new LimitExceededError(
        429,
        `Rate limit reached: RATE_LIMIT_PER_MINUTE is ${detail.limit} requests per minute for this key or address; try again in ${detail.timeToBlockExpire} s`,
        detail.timeToBlockExpire,
      ),
    );
  }
}
