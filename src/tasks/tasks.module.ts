import { Module } from '@nestjs/common';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { TaskItemsController } from './task-items.controller';
import { TaskItemsService } from './task-items.service';
import { TaskTypesController } from './task-types.controller';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [IdempotencyModule],
  controllers: [TasksController, TaskTypesController, TaskItemsController],
  providers: [TasksService, TaskItemsService],
  // Schedules submit through the same path as POST /api/tasks/submit.
  exports: [TasksService],
})
export class TasksModule {}
