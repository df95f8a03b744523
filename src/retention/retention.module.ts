import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RetentionLock } from './retention-lock';
import { TaskRetention } from './task-retention.service';

/** Deletes finished tasks past RETENTION_DAYS; loaded where HTTP is served, as the other sweeps. */
@Module({
  providers: [
    {
      provide: RetentionLock,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new RetentionLock(config),
    },
    TaskRetention,
  ],
})
export class RetentionModule {}
