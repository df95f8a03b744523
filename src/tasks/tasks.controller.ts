import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit, noteAuditProject } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { AuthenticatedRequest, Principal } from '../auth/principal';
import { scopeOf, writeProject } from '../auth/project-scope';
import { ListTasksQuery, StatsQuery } from './dto/list-tasks.query';
import { SubmitTaskDto } from './dto/submit-task.dto';
import {
  CancelResponse,
  TaskListResponse,
  TaskResponse,
  TaskStats,
  toTaskListItem,
  toTaskResponse,
} from './dto/task.response';
import { IdParamPipe } from '../http/id-param.pipe';
import { JsonBodyGuard } from '../http/json-body.guard';
import { TaskNotFoundError } from './task-errors';
import { TasksService } from './tasks.service';

const TASK_ID = new IdParamPipe(() => new TaskNotFoundError());

@ApiTags('tasks')
@Controller('api/tasks')
@Roles('viewer')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  // 200 rather than Nest's 201 for a POST: the original answered 200 and its clients check it.
  @Post('submit')
  @HttpCode(200)
  @Roles('operator')
  @Audit('task.submit')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Submit a task; it starts PENDING' })
  async submit(@Body() body: SubmitTaskDto, @Caller() caller: Principal): Promise<TaskResponse> {
    // Omitted and null both mean no parameters: every default applies.
    return toTaskResponse(
      await this.tasks.submit(body.task_type, body.input_params ?? {}, writeProject(caller), {
        callbackUrl: body.callback_url,
      }),
    );
  }

  @Get()
  @ApiOperation({
    summary: 'List tasks, newest first, with filters and paging',
    description:
      'Each input_params field over 4 KiB of JSON is replaced by {"elided_bytes": <its size>}; GET /api/tasks/{id} answers it whole.',
  })
  async list(
    @Query() query: ListTasksQuery,
    @Caller() caller: Principal,
  ): Promise<TaskListResponse> {
    const { tasks, total } = await this.tasks.list(query, scopeOf(caller));
    return { tasks: tasks.map(toTaskListItem), total };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts per status and throughput per minute over the last hour' })
  stats(@Query() query: StatsQuery, @Caller() caller: Principal): Promise<TaskStats> {
    return this.tasks.stats(scopeOf(caller), query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one task' })
  async get(@Param('id', TASK_ID) id: string, @Caller() caller: Principal): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.get(id, scopeOf(caller)));
  }

  @Delete(':id')
  @Roles('operator')
  @Audit('task.cancel')
  @ApiOperation({ summary: 'Cancel a PENDING or RUNNING task' })
  async cancel(
    @Param('id', TASK_ID) id: string,
    @Caller() caller: Principal,
    @Req() request: AuthenticatedRequest,
  ): Promise<CancelResponse> {
    const task = await this.tasks.cancel(id, scopeOf(caller));
    noteAuditProject(request, task.project);
    return { message: 'Task cancelled successfully', task_id: id };
  }

  @Post(':id/retry')
  @Roles('operator')
  @Audit('task.retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a FAILED or CANCELLED task as a new task' })
  async retry(
    @Param('id', TASK_ID) id: string,
    @Caller() caller: Principal,
  ): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.retry(id, scopeOf(caller)));
  }
}
