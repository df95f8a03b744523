import { Module } from '@nestjs/common';
import { TaskTypesController } from './task-types.controller';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController, TaskTypesController],
  providers: [TasksService],
})
export class TasksModule {}
