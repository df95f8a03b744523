import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerModule } from '@nestjs/throttler';
import { Cluster } from 'ioredis';
import { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import { AppConfig } from '../config/app-config';
import { RedisClient } from '../config/redis-client';
import { LimitsRedis } from './limits-redis';
import { LimitsRedisModule } from './limits-redis.module';
import { QuotaService } from './quota.service';
import { RateLimitGuard } from './rate-limit.guard';
import { RedisFailedAuthLimiter } from './redis-failed-auth-limiter';

/** The throttler's storage on the limits connection, whichever kind it is. */
const throttlerStorageOn = (client: RedisClient): ThrottlerStorageRedisService =>
  client instanceof Cluster
    ? new ThrottlerStorageRedisService(client)
    : new ThrottlerStorageRedisService(client);

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
        storage: throttlerStorageOn(redis.client),
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
