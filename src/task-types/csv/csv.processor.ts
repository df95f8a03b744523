import { Processor } from '@nestjs/bullmq';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonObject } from '../../core/json';
import { FilesService } from '../../files/files.service';
import { CsvParams } from './csv.params';
import { TaskContext } from '../../queue/task-context';
import { queueNameOf } from '../../queue/task-job';
import { TaskProcessor } from '../../queue/task.processor';
import { ThreadPool } from '../../queue/thread-pool.service';
import { WORKER_OPTIONS } from '../../queue/worker-options';
import { csvRunIsLarge, CsvRunInput, runCsvAnalysis } from './csv-run';

const CSV_THREAD = join(__dirname, 'csv.thread.js');

@Processor(queueNameOf('csv_processing'), WORKER_OPTIONS)
export class CsvProcessor extends TaskProcessor<CsvParams> {
  /** CSV runs read their input and return statistics: they write no file. */
  protected override readonly writesFiles = false;

  constructor(
    private readonly files: FilesService,
    private readonly config: AppConfig,
    private readonly threads: ThreadPool,
  ) {
    super();
  }

  /** Large runs in a killable thread; small ones here, where they cost no message round trip. */
  protected async handle(params: CsvParams, context: TaskContext): Promise<JsonObject> {
    const input: CsvRunInput = {
      params,
      path: params.file_id !== undefined ? this.files.pathOf(params.file_id) : undefined,
      maxColumns: this.config.csvMaxColumns,
    };
    if (await csvRunIsLarge(input)) return this.threads.run(CSV_THREAD, input, context);
    return runCsvAnalysis(input, context);
  }
}
