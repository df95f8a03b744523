import { Module } from '@nestjs/common';
import { WorkerDirectory } from './worker-directory.service';
import { WorkersController } from './workers.controller';

/** GET /api/workers, for API processes; the worker side is WorkerRegistry in QueueModule. */
@Module({
  controllers: [WorkersController],
  providers: [WorkerDirectory],
  exports: [WorkerDirectory],
})
export class WorkersModule {}
