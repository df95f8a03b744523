import { Processor } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JsonObject } from '../../database/task.entity';
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

  constructor(runner: TaskRunner) {
    super(runner);
  }

  async process(job: Job<TaskJobData>, token?: string): Promise<void> {
    await this.runner.run(job, token, (params: CsvParamsDto, context) =>
      this.processCsv(params, context),
    );
  }

  private async processCsv(params: CsvParamsDto, context: TaskContext): Promise<JsonObject> {
    const path = join(context.workDir, 'generated.csv');
    const rows = params.num_rows ?? 1000;
    const totalBytes = await generateCsvFile(path, rows, { signal: context.signal });
    context.onProgress(GENERATION_SHARE);
    try {
      const analysis = await analyzeCsv(createReadStream(path, { highWaterMark: 256 * 1024 }), {
        delimiter: params.delimiter,
        hasHeader: params.has_header ?? true,
        totalBytes,
        signal: context.signal,
        minDurationMs: (params.processing_time ?? 0) * 1000,
        onProgress: (percent) =>
          context.onProgress(GENERATION_SHARE + (percent * (100 - GENERATION_SHARE)) / 100),
      });
      return { ...analysis };
    } catch (error) {
      if (error instanceof CsvInputError)
        throw new TaskFailure(error.message, undefined, { cause: error });
      throw error;
    } finally {
      await rm(path, { force: true });
    }
  }
}
