import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { scopeOf } from '../auth/project-scope';
import { TaskStore } from '../database/task-store';
import { IdParamPipe } from '../http/id-param.pipe';
import { TaskNotFoundError } from '../tasks/task-errors';
import { TaskLogStore } from './task-log-store';
import { TaskLogsQuery } from './task-logs.query';
import { TaskLogsResponse } from './task-logs.response';

const TASK_ID = new IdParamPipe(() => new TaskNotFoundError());

@ApiTags('tasks')
@Controller('api/tasks')
@Roles('viewer')
export class TaskLogsController {
  constructor(
    private readonly tasks: TaskStore,
    private readonly lines: TaskLogStore,
  ) {}

  @Get(':id/logs')
  @ApiOperation({
    summary: "The task's own log lines, oldest first (the newest 1,000 are kept)",
    description: 'Pass ?after=<the last seq read> to read only newer lines.',
  })
  async logs(
    @Param('id', TASK_ID) id: string,
    @Query() query: TaskLogsQuery,
    @Caller() caller: Principal,
  ): Promise<TaskLogsResponse> {
    // Another project's task answers as an unknown id does.
    const task = await this.tasks.findById(id, scopeOf(caller));
    if (!task) throw new TaskNotFoundError();
    return { task_id: task.id, lines: await this.lines.after(task.id, query.after, query.limit) };
  }
}
