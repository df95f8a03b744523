import { CsvError, parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPacer } from '../task-context';
import { ColumnStats, ColumnSummary } from './column-stats';
import { detectDelimiter } from './delimiter';

export const MAX_MALFORMED_EXAMPLES = 20;
const SAMPLE_BYTES = 64 * 1024;
/** A record longer than this is taken for an unclosed quote, not data. */
const MAX_RECORD_BYTES = 1024 * 1024;

export interface CsvAnalysisOptions {
  /** One character; detected from the first 64 KiB when omitted. */
  delimiter?: string;
  hasHeader: boolean;
  /** The source's size, for progress; progress is not reported when unknown. */
  totalBytes?: number;
  /** How much of the source has been produced, 0–1, for a source of unknown size. */
  fractionDone?: () => number;
  signal?: AbortSignal;
  onProgress?: (percent: number) => void;
  /** Make the run last at least this long, paced across the bytes (demos). */
  minDurationMs?: number;
}

export interface MalformedRow {
  line: number;
  error: string;
}

export interface CsvAnalysis {
  total_rows: number;
  processed_rows: number;
  malformed_rows: number;
  malformed_examples: MalformedRow[];
  /** The original's summary: over the first numeric column, or null when there is none. */
  statistics: { column: string; sum: number; avg: number; min: number; max: number } | null;
  columns: ColumnSummary[];
  delimiter: string;
  bytes: number;
}

/** Raised for input that cannot be processed at all; its message is meant for the user. */
export class CsvInputError extends Error {}

function assertText(sample: Buffer, offset = 0): void {
  const nul = sample.indexOf(0);
  if (nul !== -1) {
    throw new CsvInputError(
      `The file is not CSV text: it holds binary data (a NUL byte at offset ${offset + nul})`,
    );
  }
}

/**
 * Stream-parses CSV in constant memory and summarises every column. Malformed rows are counted
 * and the first ones listed; the analysis fails only when the input is not text or no row parses.
 */
export async function analyzeCsv(
  source: Readable,
  options: CsvAnalysisOptions,
): Promise<CsvAnalysis> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < SAMPLE_BYTES) {
    const next = await chunks.next();
    if (next.done) break;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sample = Buffer.concat(head);
  assertText(sample);
  const delimiter = options.delimiter ?? detectDelimiter(sample.toString('utf8'));

  let bytes = 0;
  const { totalBytes, onProgress, fractionDone } = options;
  // A paced run knows its progress by the clock even when the source's size is unknown.
  const pace = createPacer(options.minDurationMs ?? 0, options.signal, onProgress);
  const fractionRead = (): number =>
    fractionDone ? fractionDone() : totalBytes ? Math.min(1, bytes / totalBytes) : 0;
  const knowsProgress = Boolean(onProgress && (totalBytes || fractionDone));
  async function* counted(): AsyncGenerator<Buffer> {
    for (const chunk of head) {
      bytes += chunk.length;
      yield chunk;
    }
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
      if (oversized) {
        // The rest would only extend the oversized record: stop reading the source.
        await chunks.return?.();
        return;
      }
      const chunk = next.value;
      if (chunk.indexOf(0) !== -1) assertText(chunk, bytes);
      // Pacing holds the source back, so the parser and the progress follow it.
      if (options.minDurationMs) await pace(fractionRead());
      bytes += chunk.length;
      if (knowsProgress) onProgress?.(fractionRead() * 100);
      yield chunk;
    }
  }

  const malformed: MalformedRow[] = [];
  let malformedCount = 0;
  let oversized = false;
  const recordMalformed = (error: CsvError): void => {
    malformedCount++;
    if (malformed.length < MAX_MALFORMED_EXAMPLES) {
      malformed.push({ line: Number(error.lines), error: error.message });
    }
  };

  const parser = parse({
    delimiter,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: false,
    // Without a bound, an unclosed quote buffers the rest of the file as one field.
    max_record_size: MAX_RECORD_BYTES,
    on_skip: (error) => {
      // The parser cannot resynchronise after an oversized record: what follows is its tail.
      if (!error || oversized) return undefined;
      recordMalformed(error);
      if (error.code === 'CSV_MAX_RECORD_SIZE') oversized = true;
      return undefined;
    },
  });

  let columns: ColumnStats[] | null = null;
  let processed = 0;
  const consume = (record: string[]): void => {
    if (columns === null) {
      columns = record.map(
        (name, i) =>
          new ColumnStats(options.hasHeader ? name.trim() || `column_${i + 1}` : `column_${i + 1}`),
      );
      if (options.hasHeader) return;
    }
    for (let i = 0; i < columns.length; i++) columns[i].add(record[i] ?? '');
    processed++;
  };
  // Records are taken as the parser makes them, synchronously. Through an async iterator, each
  // chunk's few thousand records first wait in the stream's buffer and then cost a promise each.
  parser.on('data', (record: string[]) => {
    try {
      consume(record);
    } catch (error) {
      parser.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  });

  try {
    // One chunk ahead is enough; Readable.from's default would buffer 16 of them.
    await pipeline(Readable.from(counted(), { highWaterMark: 1 }), parser, {
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // A fatal parse error (an unclosed quote at the end, say) ends the file; keep what parsed.
    if (error instanceof CsvError) recordMalformed(error);
    else throw error;
  }
  await pace(1);
  onProgress?.(100);

  const found: ColumnStats[] = columns ?? [];
  if (processed === 0 && malformedCount > 0) {
    const first = malformed[0];
    throw new CsvInputError(
      `No row of the file could be parsed as CSV with delimiter ${JSON.stringify(delimiter)}` +
        (first ? ` (line ${first.line}: ${first.error})` : ''),
    );
  }
  const firstNumeric = found.find((column) => column.isNumeric);
  const numeric = firstNumeric?.numericSummary();
  return {
    total_rows: processed + malformedCount,
    processed_rows: processed,
    malformed_rows: malformedCount,
    malformed_examples: malformed,
    statistics:
      firstNumeric && numeric
        ? {
            column: firstNumeric.name,
            sum: numeric.sum,
            avg: numeric.mean,
            min: numeric.min,
            max: numeric.max,
          }
        : null,
    columns: found.map((column) => column.summary()),
    delimiter,
    bytes,
  };
}
