import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonObject } from '../../database/task.entity';
import { FilesService } from '../../files/files.service';
import { CsvParamsDto } from '../../tasks/dto/params/csv-params.dto';
import { TaskContext } from '../task-context';
import { TaskJobData } from '../task-job';
import { TaskFailure, TaskRunner } from '../task-runner.service';
import { TaskProcessor } from '../task.processor';
import { WORKER_OPTIONS } from '../worker-options';
import { generateCsvFile } from './csv-generate';
import { analyzeCsv, CsvInputError } from './csv-stats';

/** Share of the progress bar given to generating seed data before it is parsed. */
const GENERATION_SHARE = 20;

@Processor('csv_processing', WORKER_OPTIONS)
export class CsvProcessor extends TaskProcessor {
  protected readonly taskType = 'csv_processing';

  constructor(
    runner: TaskRunner,
    private readonly files: FilesService,
  ) {
    super(runner);
  }

  async process(job: Job<TaskJobData>, token?: string): Promise<void> {
    await this.runner.run(job, token, (params: CsvParamsDto, context) =>
      this.processCsv(params, context),
    );
  }

  private async processCsv(params: CsvParamsDto, context: TaskContext): Promise<JsonObject> {
    if (params.file_id) {
      const path = this.files.pathOf(params.file_id);
      return this.analyze(path, (await stat(path)).size, params, context, 0);
    }
    const path = join(context.workDir, 'generated.csv');
    try {
      const totalBytes = await generateCsvFile(path, params.num_rows ?? 1000, {
        signal: context.signal,
      });
      context.onProgress(GENERATION_SHARE);
      return await this.analyze(path, totalBytes, params, context, GENERATION_SHARE);
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Stream-parses the file; progress runs from `progressFrom` to 100 by bytes read. */
  private async analyze(
    path: string,
    totalBytes: number,
    params: CsvParamsDto,
    context: TaskContext,
    progressFrom: number,
  ): Promise<JsonObject> {
    try {
      const analysis = await analyzeCsv(createReadStream(path, { highWaterMark: 256 * 1024 }), {
        delimiter: params.delimiter,
        hasHeader: params.has_header ?? true,
        totalBytes,
        signal: context.signal,
        minDurationMs: (params.processing_time ?? 0) * 1000,
        onProgress: (percent) =>
          context.onProgress(progressFrom + (percent * (100 - progressFrom)) / 100),
      });
      return { ...analysis };
    } catch (error) {
      if (error instanceof CsvInputError)
        throw new TaskFailure(error.message, undefined, { cause: error });
      throw error;
    }
  }
}
