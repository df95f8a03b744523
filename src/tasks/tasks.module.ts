import { Module } from '@nestjs/common';
import { TaskItemsController } from './task-items.controller';
import { TaskItemsService } from './task-items.service';
import { TaskTypesController } from './task-types.controller';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController, TaskTypesController, TaskItemsController],
  providers: [TasksService, TaskItemsService],
})
export class TasksModule {}
