import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { TaskTypesController } from './task-types.controller';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [IdempotencyModule],
  controllers: [TasksController, TaskTypesController],
  providers: [TasksService],
  // Schedules submit through the same path as POST /api/tasks/submit.
  exports: [TasksService],
})
export class TasksModule {}
