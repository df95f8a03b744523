import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  controllers: [HealthController],
  // Readiness asks the process's ObjectStorage (StorageModule, global): DATA_DIR or the bucket.
  providers: [HealthService],
})
export class HealthModule {}
