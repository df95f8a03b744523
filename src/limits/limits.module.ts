import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { AppConfig } from '../config/app-config';
import { LimitsRedis } from './limits-redis';
import { LimitsRedisModule } from './limits-redis.module';
import { QuotaService } from './quota.service';
import { RateLimitStorage } from './rate-limit-storage';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisFailedAuthLimiter } from './redis-failed-auth-limiter';

/**
 * §8 for the API: the rate limit in front of every route (after authentication: this module is
 * imported after AuthModule, so its guard runs second) and the per-project quotas.
 */
@Global()
@Module({
  imports: [
    LimitsRedisModule,
    ThrottlerModule.forRootAsync({
      imports: [LimitsRedisModule],
      inject: [AppConfig, LimitsRedis],
      useFactory: (config: AppConfig, redis: LimitsRedis) => ({
        throttlers: [{ ttl: 60_000, limit: config.limits.ratePerMinute }],
        storage: new RateLimitStorage(redis),
      }),
    }),
  ],
  providers: [
    QuotaService,
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: FailedAuthLimiter, useClass: RedisFailedAuthLimiter },
  ],
  exports: [QuotaService, FailedAuthLimiter],
})
export class LimitsModule {}
