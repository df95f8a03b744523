import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListTasksQuery } from './dto/list-tasks.query';
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
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  // 200 rather than Nest's 201 for a POST: the original answered 200 and its clients check it.
  @Post('submit')
  @HttpCode(200)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({ summary: 'Submit a task; it starts PENDING' })
  async submit(@Body() body: SubmitTaskDto): Promise<TaskResponse> {
    // Omitted and null both mean no parameters: every default applies.
    return toTaskResponse(await this.tasks.submit(body.task_type, body.input_params ?? {}));
  }

  @Get()
  @ApiOperation({
    summary: 'List tasks, newest first, with filters and paging',
    description:
      'Each input_params field over 4 KiB of JSON is replaced by {"elided_bytes": <its size>}; GET /api/tasks/{id} answers it whole.',
  })
  async list(@Query() query: ListTasksQuery): Promise<TaskListResponse> {
    const { tasks, total } = await this.tasks.list(query);
    return { tasks: tasks.map(toTaskListItem), total };
  }

  @Get('stats')
  @ApiOperation({ summary: 'Counts per status and throughput per minute over the last hour' })
  stats(): Promise<TaskStats> {
    return this.tasks.stats();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one task' })
  async get(@Param('id', TASK_ID) id: string): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.get(id));
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Cancel a PENDING or RUNNING task' })
  async cancel(@Param('id', TASK_ID) id: string): Promise<CancelResponse> {
    await this.tasks.cancel(id);
    return { message: 'Task cancelled successfully', task_id: id };
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a FAILED or CANCELLED task as a new task' })
  async retry(@Param('id', TASK_ID) id: string): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.retry(id));
  }
}
