import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { LimitsRedis } from './limits-redis';

/** The one Redis connection of the limits, shared by the rate limit's storage and the quotas. */
@Module({
  providers: [
    {
      provide: LimitsRedis,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new LimitsRedis(config),
    },
  ],
  exports: [LimitsRedis],
})
export class LimitsRedisModule {}
