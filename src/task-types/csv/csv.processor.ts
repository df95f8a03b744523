import { Processor } from '@nestjs/bullmq';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AppConfig } from '../../config/app-config';
import { JsonObject } from '../../core/json';
import { FilesService } from '../../files/files.service';
import { CsvParams } from './csv.params';
import { TaskContext } from '../../queue/task-context';
import { queueNameOf } from '../../queue/task-job';
import { TaskFailure } from '../../queue/task-errors';
import { TaskProcessor } from '../../queue/task.processor';
import { WORKER_OPTIONS } from '../../queue/worker-options';
import { generateCsv } from './csv-generate';
import { analyzeCsv, CsvAnalysisOptions, CsvInputError } from './csv-stats';

@Processor(queueNameOf('csv_processing'), WORKER_OPTIONS)
export class CsvProcessor extends TaskProcessor<CsvParams> {
  constructor(
    private readonly files: FilesService,
    private readonly config: AppConfig,
  ) {
    super();
  }

  protected async handle(params: CsvParams, context: TaskContext): Promise<JsonObject> {
    if (params.file_id !== undefined) {
      const path = this.files.pathOf(params.file_id);
      const source = createReadStream(path, { highWaterMark: 256 * 1024 });
      return this.analyze(source, { totalBytes: (await stat(path)).size }, params, context);
    }
    // Seed data is generated straight into the parser: no file to write and read back.
    const rows = params.num_rows;
    let generated = 0;
    const source = generateCsv(rows, { onRows: (count) => (generated = count) });
    return this.analyze(source, { fractionDone: () => generated / rows }, params, context);
  }

  /** Stream-parses the source, with progress by bytes read or rows generated. */
  private async analyze(
    source: Readable,
    progress: Pick<CsvAnalysisOptions, 'totalBytes' | 'fractionDone'>,
    params: CsvParams,
    context: TaskContext,
  ): Promise<JsonObject> {
    try {
      const analysis = await analyzeCsv(source, {
        ...progress,
        delimiter: params.delimiter,
        hasHeader: params.has_header,
        signal: context.signal,
        minDurationMs: params.processing_time * 1000,
        onProgress: context.onProgress,
        onLog: context.log,
        maxColumns: this.config.csvMaxColumns,
      });
      return { ...analysis };
    } catch (error) {
      if (error instanceof CsvInputError)
        throw new TaskFailure(error.message, undefined, { cause: error });
      throw error;
    }
  }
}
