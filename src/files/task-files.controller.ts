import { Controller, Get, Header, Param, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { extname } from 'node:path';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { scopeOf } from '../auth/project-scope';
import { TaskStore } from '../database/task-store';
import { IdParamPipe } from '../http/id-param.pipe';
import { FileNotFoundError } from './file-errors';
import { ObjectStorage, StoredObjectMissingError } from '../storage/object-storage';
import { outputKey } from '../storage/storage-keys';

/** A malformed task id answers as an unknown one does here: no such file. */
const TASK_ID = new IdParamPipe(() => new FileNotFoundError());

/** Output names are made by the processors: a plain name, no folders, no leading dot. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json',
};

@ApiTags('tasks')
@Controller('api/tasks/:id/files')
@Roles('viewer')
export class TaskFilesController {
  constructor(
    private readonly storage: ObjectStorage,
    private readonly store: TaskStore,
  ) {}

  /**
   * A task's own output file; any other name answers 404. Streamed from the store through this
   * process, from a bucket too: the URL, the headers and the access check stay the same.
   */
  @Get(':name')
  @ApiOperation({ summary: "Download one of a task's result files" })
  @Header('Cache-Control', 'private, max-age=3600')
  async download(
    @Param('id', TASK_ID) taskId: string,
    @Param('name') name: string,
    @Caller() caller: Principal,
  ): Promise<StreamableFile> {
    if (!SAFE_NAME.test(name) || name.includes('..')) throw new FileNotFoundError();
    // Another project's task has no files for this caller, as if it did not exist.
    if (!(await this.store.findById(taskId, scopeOf(caller)))) throw new FileNotFoundError();
    const object = await this.storage.open(outputKey(taskId, name)).catch((error: unknown) => {
      if (error instanceof StoredObjectMissingError) throw new FileNotFoundError();
      throw error;
    });
    // Nest destroys the store's stream (a socket, for S3) should the client go mid-download.
    return new StreamableFile(object.body, {
      type: CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
      length: object.size,
      disposition: `inline; filename="${name}"`,
    });
  }
}
