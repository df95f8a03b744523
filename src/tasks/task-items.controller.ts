import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { scopeOf } from '../auth/project-scope';
import { IdParamPipe } from '../http/id-param.pipe';
import { TaskNotFoundError } from './task-errors';
import { TaskItemsService } from './task-items.service';

const TASK_ID = new IdParamPipe(() => new TaskNotFoundError());

@ApiTags('tasks')
@Controller('api/tasks')
@Roles('viewer')
export class TaskItemsController {
  constructor(private readonly items: TaskItemsService) {}

  @Get(':id/items.csv')
  @ApiProduces('text/csv')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "A task's per-item outcomes as CSV",
    description:
      'recipient,status,response for e-mail; image,status,error for images; line,status,error for the malformed rows a CSV task lists. Cells a spreadsheet would run as formulas start with a quote.',
  })
  async download(
    @Param('id', TASK_ID) id: string,
    @Caller() caller: Principal,
  ): Promise<StreamableFile> {
    const task = await this.items.get(id, scopeOf(caller));
    return new StreamableFile(Readable.from(this.items.itemsCsv(task)), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="task-${task.id}-items.csv"`,
    });
  }
}
