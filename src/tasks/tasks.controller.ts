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
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit, noteAuditProject } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { AuthenticatedRequest, Principal } from '../auth/principal';
import { scopeOf, writeProject } from '../auth/project-scope';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '../idempotency/idempotency-request';
import { BulkSubmitDto, BulkSubmitResponse, MAX_BULK_TASKS } from './dto/bulk-submit.dto';
import type { HttpRequest } from '../http/http-request';
import { BulkActionDto, BulkActionResponse } from './dto/bulk-action.dto';
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
import { RequestValidationError } from '../http/domain-error';
import { TaskNotFoundError } from './task-errors';
import { TaskItemsService } from './task-items.service';
import { TasksService } from './tasks.service';

const TASK_ID = new IdParamPipe(() => new TaskNotFoundError());
const IDEMPOTENCY_KEY_DOC = {
  name: IDEMPOTENCY_HEADER,
  required: false,
  description: `1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable characters. The same key with the same request within 24 h answers the first answer again, with Idempotent-Replayed: true; with another request, 409.`,
};

/** The one audit entry of a bulk action says what it matched and changed. */
const bulkAuditResource = (result: unknown, request: HttpRequest): string => {
  const { matched, affected } = result as BulkActionResponse;
  const dryRun = (request.body as BulkActionDto | undefined)?.dry_run ? 'dry_run ' : '';
  return `${dryRun}matched=${matched} affected=${affected}`;
};

@ApiTags('tasks')
@Controller('api/tasks')
@Roles('viewer')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly items: TaskItemsService,
  ) {}

  // 200 rather than Nest's 201 for a POST: the original answered 200 and its clients check it.
  @Post('submit')
  @HttpCode(200)
  @Roles('operator')
  @Audit('task.submit')
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Submit a task; it starts PENDING, or SCHEDULED until its run_at or delay_seconds',
  })
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader(IDEMPOTENCY_KEY_DOC)
  async submit(@Body() body: SubmitTaskDto, @Caller() caller: Principal): Promise<TaskResponse> {
    return toTaskResponse(await this.tasks.submit(body, writeProject(caller)));
  }

  @Post('bulk')
  @HttpCode(200)
  @Roles('operator')
  @Audit('task.bulk_submit', (result) => `${(result as BulkSubmitResponse).tasks.length} tasks`)
  @UseGuards(JsonBodyGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader(IDEMPOTENCY_KEY_DOC)
  @ApiOperation({
    summary: `Submit 1 to ${MAX_BULK_TASKS} tasks at once, all or none`,
    description:
      'Each item is a submit body. Every problem is answered at once (422), located by the item index; otherwise every task is created at once, all or none, and answered in order.',
  })
  async submitBulk(
    @Body() body: BulkSubmitDto,
    @Caller() caller: Principal,
  ): Promise<BulkSubmitResponse> {
    const tasks = await this.tasks.submitMany(body.tasks, writeProject(caller));
    return { tasks: tasks.map(toTaskResponse) };
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
    const { tasks, total, totalIsLowerBound, nextCursor } = await this.tasks.list(
      query,
      scopeOf(caller),
    );
    return {
      tasks: tasks.map(toTaskListItem),
      total,
      // Only when true: a listing whose total is exact keeps the original's shape.
      ...(totalIsLowerBound ? { total_is_lower_bound: true } : {}),
      next_cursor: nextCursor,
    };
  }

  @Post('cancel')
  @HttpCode(200)
  @Roles('operator')
  @Audit('task.bulk_cancel', bulkAuditResource)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Cancel every PENDING or RUNNING task a filter or a list of ids matches',
    description: `At most BULK_MAX_TASKS (10,000) matched, else 422. dry_run: true counts only.`,
  })
  bulkCancel(
    @Body() body: BulkActionDto,
    @Caller() caller: Principal,
  ): Promise<BulkActionResponse> {
    return this.tasks.bulk('cancel', body, scopeOf(caller));
  }

  @Post('retry')
  @HttpCode(200)
  @Roles('operator')
  @Audit('task.bulk_retry', bulkAuditResource)
  @UseGuards(JsonBodyGuard)
  @ApiOperation({
    summary: 'Retry every FAILED or CANCELLED task a filter or a list of ids matches',
    description: `Each retry is a new task with retry_of. At most BULK_MAX_TASKS (10,000) matched, else 422. dry_run: true counts only.`,
  })
  bulkRetry(@Body() body: BulkActionDto, @Caller() caller: Principal): Promise<BulkActionResponse> {
    return this.tasks.bulk('retry', body, scopeOf(caller));
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
  @ApiOperation({ summary: 'Cancel a PENDING, SCHEDULED or RUNNING task' })
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
  @ApiOperation({
    summary: 'Retry a FAILED or CANCELLED task as a new task',
    description:
      'With ?only=failed_items: a new task with only the recipients or images that failed, from a finished task of any outcome; 400 when none failed.',
  })
  async retry(
    @Param('id', TASK_ID) id: string,
    @Caller() caller: Principal,
    @Query('only') only?: unknown,
  ): Promise<TaskResponse> {
    if (only === undefined) return toTaskResponse(await this.tasks.retry(id, scopeOf(caller)));
    if (only !== 'failed_items') {
      throw new RequestValidationError([
        {
          loc: ['query', 'only'],
          msg: 'only must be failed_items, or left out to retry the whole task',
          type: 'enum',
        },
      ]);
    }
    return toTaskResponse(await this.items.retryFailedItems(id, scopeOf(caller)));
  }
}
