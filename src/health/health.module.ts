import { Module } from '@nestjs/common';
import { DataDirProbe, StorageProbe } from './storage-probe';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  controllers: [HealthController],
  // The storage readiness asks: DATA_DIR today; a storage with its own check binds here instead.
  providers: [HealthService, { provide: StorageProbe, useClass: DataDirProbe }],
})
export class HealthModule {}
