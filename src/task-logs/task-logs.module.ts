import { DynamicModule, Module } from '@nestjs/common';
import { TaskLogStore } from './task-log-store';
import { TaskLogWriter } from './task-log-writer.service';
import { TaskLogsController } from './task-logs.controller';

/** The store everywhere; the writer where workers run; GET /api/tasks/{id}/logs on the API. */
@Module({})
export class TaskLogsModule {
  static forRoot({ http, workers }: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: TaskLogsModule,
      global: true,
      controllers: http ? [TaskLogsController] : [],
      providers: [TaskLogStore, ...(workers ? [TaskLogWriter] : [])],
      exports: [TaskLogStore, ...(workers ? [TaskLogWriter] : [])],
    };
  }
}
