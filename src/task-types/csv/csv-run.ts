import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { JsonObject } from '../../core/json';
import type { TaskLogFn } from '../../queue/task-context';
import { TaskFailure } from '../../queue/task-errors';
import { CsvParams } from './csv.params';
import { generateCsv } from './csv-generate';
import { analyzeCsv, CsvAnalysisOptions, CsvInputError } from './csv-stats';

/** One CSV run, as plain data: it may cross into a worker thread. */
export interface CsvRunInput {
  params: CsvParams;
  /** The uploaded file's path, when the params name one. */
  path?: string;
  maxColumns: number;
}

/** Runs at or above these sizes go to a worker thread, where a forced stop can end them. */
export const CSV_THREAD_MIN_BYTES = 1024 * 1024;
export const CSV_THREAD_MIN_ROWS = 20_000;

/** Whether a run is big enough to be worth a thread (smaller ones end soon in any case). */
export async function csvRunIsLarge(input: CsvRunInput): Promise<boolean> {
  if (input.path === undefined) return (input.params.num_rows ?? 0) >= CSV_THREAD_MIN_ROWS;
  return (await stat(input.path)).size >= CSV_THREAD_MIN_BYTES;
}

/**
 * Stream-parses the file or the generated rows, with progress by bytes read or rows generated;
 * input that cannot be analysed fails as a TaskFailure. Runs in the worker or in a thread.
 */
export async function runCsvAnalysis(
  input: CsvRunInput,
  context: { signal: AbortSignal; onProgress: (percent: number) => void; log: TaskLogFn },
): Promise<JsonObject> {
  const { params, path } = input;
  let source: Readable;
  let progress: Pick<CsvAnalysisOptions, 'totalBytes' | 'fractionDone'>;
  if (path !== undefined) {
    source = createReadStream(path, { highWaterMark: 256 * 1024 });
    progress = { totalBytes: (await stat(path)).size };
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
