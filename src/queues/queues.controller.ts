import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ALL_PROJECTS } from '../core/project';
import { isTaskType, TaskType } from '../core/task-type';
import { QueueControl, QueueState } from '../queue/queue-control.service';
import { QueueControlForbiddenError, UnknownQueueError } from './queue-errors';

/** The audit entry names the queue by its task type, from the answer. */
const queueResource = (result: unknown): string => (result as QueueState).task_type;

/** §9: each task type's queue, and pausing or resuming it for every worker. */
@ApiTags('queues')
@Controller('api/queues')
@Roles('viewer')
export class QueuesController {
  constructor(private readonly queues: QueueControl) {}

  @Get()
  @ApiOperation({
    summary: "Each task type's queue: paused, waiting, scheduled, running, workers, rate",
  })
  list(): Promise<QueueState[]> {
    return this.queues.states();
  }

  @Post(':task_type/pause')
  @Roles('operator')
  @Audit('queue.pause', queueResource)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stop every worker taking new tasks of the type (running ones finish; submits wait)',
  })
  pause(@Param('task_type') name: string, @Caller() caller: Principal): Promise<QueueState> {
    return this.queues.pause(this.steerable(name, caller));
  }

  @Post(':task_type/resume')
  @Roles('operator')
  @Audit('queue.resume', queueResource)
  @HttpCode(200)
  @ApiOperation({ summary: 'Let the workers take tasks of the type again' })
  resume(@Param('task_type') name: string, @Caller() caller: Principal): Promise<QueueState> {
    return this.queues.resume(this.steerable(name, caller));
  }

  /**
   * The queue is shared by every project, so an operator of one project must not stop another
   * project's work: only keys of `*` (and open mode, where everyone is the admin) may steer it.
   */
  private steerable(name: string, caller: Principal): TaskType {
    if (!isTaskType(name)) throw new UnknownQueueError(name);
    if (caller.project !== ALL_PROJECTS && caller.via !== 'open') {
      throw new QueueControlForbiddenError(caller.project);
    }
    return name;
  }
}
