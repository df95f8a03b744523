import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { readProject } from '../auth/project-scope';
import { WorkerDirectory } from './worker-directory.service';
import { WorkerListResponse } from './worker.response';

@ApiTags('workers')
@Controller('api/workers')
@Roles('viewer')
export class WorkersController {
  constructor(private readonly directory: WorkerDirectory) {}

  @Get()
  @ApiOkResponse({ type: WorkerListResponse })
  @ApiOperation({
    summary:
      'The live worker processes: host, pid, task types, concurrency, running tasks, start and last heartbeat',
  })
  async list(@Caller() caller: Principal): Promise<WorkerListResponse> {
    return { workers: await this.directory.list(readProject(caller)) };
  }
}
