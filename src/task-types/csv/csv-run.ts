import { Readable } from 'node:stream';
import { JsonObject } from '../../core/json';
import type { TaskLogFn } from '../../queue/task-context';
import { TaskFailure } from '../../queue/task-errors';
import { CsvParams } from './csv.params';
import { generateCsv } from './csv-generate';
import { analyzeCsv, CsvAnalysisOptions, CsvInputError } from './csv-stats';
import { ObjectStorage, StoredObjectMissingError } from '../../storage/object-storage';
import { openStorage } from '../../storage/open-storage';
import { StorageSettings } from '../../storage/storage-settings';

/** One CSV run, as plain data: it may cross into a worker thread. */
export interface CsvRunInput {
  params: CsvParams;
  /**
   * The uploaded file, when the params name one: its key, its size (from the files table) and
   * the store's settings, from which a thread opens a store of its own.
   */
  file?: { id: string; key: string; size: number; storage: StorageSettings };
  maxColumns: number;
}

/** Runs at or above these sizes go to a worker thread, where a forced stop can end them. */
export const CSV_THREAD_MIN_BYTES = 1024 * 1024;
export const CSV_THREAD_MIN_ROWS = 20_000;

/** Whether a run is big enough to be worth a thread (smaller ones end soon in any case). */
export function csvRunIsLarge(input: CsvRunInput): boolean {
  if (input.file === undefined) return (input.params.num_rows ?? 0) >= CSV_THREAD_MIN_ROWS;
  return input.file.size >= CSV_THREAD_MIN_BYTES;
}

/** A thread's own store, made on its first run and kept for the next (its connections too). */
let threadStorage: ObjectStorage | undefined;

/** Opens the upload for reading; one gone from the store fails the task with a clear message. */
async function openUpload(
  file: NonNullable<CsvRunInput['file']>,
  storage: ObjectStorage,
): Promise<{ body: Readable; size: number }> {
  try {
    return await storage.open(file.key);
  } catch (error) {
    if (error instanceof StoredObjectMissingError) {
      throw new TaskFailure(
        `The uploaded file ${file.id} is no longer in storage (removed outside Conveyor); upload it again and submit a new task`,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }
}

/**
 * Stream-parses the upload (straight from the store: a file, or a GetObject body) or the
 * generated rows, with progress by bytes read or rows generated; input that cannot be analysed
 * fails as a TaskFailure. Runs in the worker, with its store, or in a thread, with its own.
 */
export async function runCsvAnalysis(
  input: CsvRunInput,
  context: { signal: AbortSignal; onProgress: (percent: number) => void; log: TaskLogFn },
  storage?: ObjectStorage,
): Promise<JsonObject> {
  const { params, file } = input;
  let source: Readable;
  let progress: Pick<CsvAnalysisOptions, 'totalBytes' | 'fractionDone'>;
  if (file !== undefined) {
    const upload = await openUpload(file, storage ?? (threadStorage ??= openStorage(file.storage)));
    source = upload.body;
    progress = { totalBytes: upload.size };
  } else {
    // Seed data is generated straight into the parser: no file to write and read back.
    const rows = params.num_rows ?? 0;
    let generated = 0;
    source = generateCsv(rows, { onRows: (count) => (generated = count) });
    progress = { fractionDone: () => generated / rows };
  }
  try {
    const analysis = await analyzeCsv(source, {
      ...progress,
      delimiter: params.delimiter,
      hasHeader: params.has_header,
      signal: context.signal,
      minDurationMs: params.processing_time * 1000,
      onProgress: context.onProgress,
      onLog: context.log,
      maxColumns: input.maxColumns,
    });
    return { ...analysis };
  } catch (error) {
    if (error instanceof CsvInputError)
      throw new TaskFailure(error.message, undefined, { cause: error });
    throw error;
  }
}
