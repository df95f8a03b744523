import { Processor } from '@nestjs/bullmq';
import { join } from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonObject } from '../../core/json';
import { StoredFile } from '../../database/stored-file.entity';
import { FileNotFoundError } from '../../files/file-errors';
import { FilesService } from '../../files/files.service';
import { TaskFailure } from '../../queue/task-errors';
import { CsvParams } from './csv.params';
import { TaskContext } from '../../queue/task-context';
import { queueNameOf } from '../../queue/task-job';
import { TaskProcessor } from '../../queue/task.processor';
import { ThreadPool } from '../../queue/thread-pool.service';
import { WORKER_OPTIONS } from '../../queue/worker-options';
import { csvRunIsLarge, CsvRunInput, runCsvAnalysis } from './csv-run';
import { ObjectStorage } from '../../storage/object-storage';
import { uploadKey } from '../../storage/storage-keys';

const CSV_THREAD = join(__dirname, 'csv.thread.js');

@Processor(queueNameOf('csv_processing'), WORKER_OPTIONS)
export class CsvProcessor extends TaskProcessor<CsvParams> {
  /** CSV runs read their input and return statistics: they write no file. */
  protected override readonly writesFiles = false;

  constructor(
    private readonly files: FilesService,
    private readonly config: AppConfig,
    private readonly threads: ThreadPool,
    private readonly storage: ObjectStorage,
  ) {
    super();
  }

  /** The upload's row; one removed since the submit fails the task, with the reason. */
  private async uploadOf(id: string): Promise<StoredFile> {
    try {
      return await this.files.get(id);
    } catch (error) {
      if (error instanceof FileNotFoundError)
        throw new TaskFailure(`The uploaded file ${id} no longer exists`, undefined, {
          cause: error,
        });
      throw error;
    }
  }

  /** Large runs in a killable thread; small ones here, where they cost no message round trip. */
  protected async handle(params: CsvParams, context: TaskContext): Promise<JsonObject> {
    const upload = params.file_id !== undefined ? await this.uploadOf(params.file_id) : null;
    const input: CsvRunInput = {
      params,
      file: upload
        ? {
            id: upload.id,
            key: uploadKey(upload.id),
            size: upload.size,
            storage: this.config.storage,
          }
        : undefined,
      maxColumns: this.config.csvMaxColumns,
    };
    if (csvRunIsLarge(input)) return this.threads.run(CSV_THREAD, input, context);
    return runCsvAnalysis(input, context, this.storage);
  }
}
