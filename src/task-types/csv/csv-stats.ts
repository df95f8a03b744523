import { CsvError, Options as ParserOptions, parse } from 'csv-parse';
import { parse as parseInMemory } from 'csv-parse/sync';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPacer } from '../../queue/task-context';
import { ColumnStats, ColumnSummary } from './column-stats';
import { detectDelimiter } from './delimiter';
import { FirstRecordWidth } from './first-record-width';

export const MAX_MALFORMED_EXAMPLES = 20;
const SAMPLE_BYTES = 64 * 1024;
/** A record longer than this is taken for an unclosed quote, not data. */
const MAX_RECORD_BYTES = 1024 * 1024;
/** The default of CSV_MAX_COLUMNS: wider files fail rather than cost a column state each. */
export const DEFAULT_MAX_COLUMNS = 2000;
/**
 * The longest the analysis holds the event loop before it lets other work run (in role all, the
 * API's requests). Parsing an in-memory or generated source never waits on I/O, so without this
 * a 2,000-column file held the loop for its whole run.
 */
export const MAX_LOOP_HOLD_MS = 50;
const PARSER_WRITE_BYTES = 64 * 1024;

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
  /** A file with more columns fails (CSV_MAX_COLUMNS); DEFAULT_MAX_COLUMNS when omitted. */
  maxColumns?: number;
  /** Let the event loop run once the analysis held it this long; MAX_LOOP_HOLD_MS when omitted. */
  maxLoopHoldMs?: number;
  /** Told what a reader of the task's log wants: malformed rows, milestones, the outcome. */
  onLog?: CsvLogFn;
}

export type CsvLogFn = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Rows parsed between two looks at how far the file has been read. */
const MILESTONE_CHECK_ROWS = 1_000;

/** Logs "Parsed N rows" at each tenth of the file read, once each. */
export class RowMilestones {
  private reported = 0;

  constructor(private readonly onLog: CsvLogFn) {}

  check(fractionRead: number, rows: number): void {
    const tenth = Math.floor(fractionRead * 10);
    if (tenth <= this.reported || tenth >= 10) return;
    this.reported = tenth;
    this.onLog('info', `Parsed ${rows.toLocaleString('en-US')} rows (${tenth * 10}% read)`);
  }
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

/** `columns` is a count, or "more than N" when the file was refused before its end was read. */
function tooManyColumns(columns: string, maxColumns: number): CsvInputError {
  return new CsvInputError(
    `The file has ${columns} columns; at most ${maxColumns.toLocaleString('en-US')} can be ` +
      'analysed (CSV_MAX_COLUMNS)',
  );
}

function assertText(sample: Buffer, offset = 0): void {
  const nul = sample.indexOf(0);
  if (nul !== -1) {
    throw new CsvInputError(
      `The file is not CSV text: it holds binary data (a NUL byte at offset ${offset + nul})`,
    );
  }
}

/** The first SAMPLE_BYTES of the source (or all of it, if shorter), checked to be text. */
async function readSample(
  chunks: AsyncIterator<Buffer>,
): Promise<{ head: Buffer[]; sample: Buffer; ended: boolean }> {
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < SAMPLE_BYTES) {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const sample = Buffer.concat(head);
  assertText(sample);
  return { head, sample, ended };
}

/** Malformed rows: all counted, the first MAX_MALFORMED_EXAMPLES kept with their line. */
class MalformedRows {
  count = 0;
  readonly examples: MalformedRow[] = [];
  /** A record outgrew MAX_RECORD_BYTES: the parser cannot resynchronise after it. */
  oversized = false;

  constructor(private readonly onLog?: CsvLogFn) {}

  record(error: CsvError): void {
    this.count++;
    this.onLog?.('warn', `Line ${Number(error.lines)} skipped: ${error.message}`);
    if (this.examples.length < MAX_MALFORMED_EXAMPLES) {
      this.examples.push({ line: Number(error.lines), error: error.message });
    }
  }
}

/**
 * Reads `bytes` into the first record's width while it is being counted, and refuses the file
 * once that is past the limit: by its count when the record's end was read, else as "more than".
 */
function refuseIfTooWide(width: FirstRecordWidth, bytes: Buffer): void {
  if (!width.counting) return;
  width.scan(bytes);
  if (!width.tooWide) return;
  const limit = width.limit.toLocaleString('en-US');
  throw tooManyColumns(
    width.ended ? width.fields.toLocaleString('en-US') : `more than ${limit}`,
    width.limit,
  );
}

/**
 * The parser's writes, at most PARSER_WRITE_BYTES each: one write is parsed without a break,
 * and a 256 KiB piece of an 80,000-column header took csv-parse 157 ms, 64 KiB 44 ms.
 */
function* slices(chunk: Buffer): Generator<Buffer> {
  for (let start = 0; start < chunk.length; start += PARSER_WRITE_BYTES) {
    yield chunk.subarray(start, start + PARSER_WRITE_BYTES);
  }
}

/**
 * The source's chunks, the sample first, counted as they go: progress by bytes read (or by the
 * producer's own fraction), pacing when a minimum duration is asked for, and a stop once the
 * parser met an oversized record.
 */
class CountingSource {
  bytes = 0;
  private heldSince = performance.now();

  constructor(
    private readonly head: Buffer[],
    private readonly rest: AsyncIterator<Buffer>,
    private readonly options: CsvAnalysisOptions,
    private readonly malformed: MalformedRows,
    private readonly pace: (fraction: number) => Promise<void>,
    private readonly width: FirstRecordWidth,
  ) {}

  fractionRead(): number {
    const { fractionDone, totalBytes } = this.options;
    return fractionDone ? fractionDone() : totalBytes ? Math.min(1, this.bytes / totalBytes) : 0;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    const { totalBytes, onProgress, fractionDone, minDurationMs } = this.options;
    const knowsProgress = Boolean(onProgress && (totalBytes || fractionDone));
    for (const chunk of this.head) {
      for (const slice of slices(chunk)) {
        await this.letLoopRun();
        this.bytes += slice.length;
        yield slice;
      }
    }
    for (let next = await this.rest.next(); !next.done; next = await this.rest.next()) {
      if (this.malformed.oversized) {
        // The rest would only extend the oversized record: stop reading the source.
        await this.rest.return?.();
        return;
      }
      const chunk = next.value;
      if (chunk.indexOf(0) !== -1) assertText(chunk, this.bytes);
      refuseIfTooWide(this.width, chunk);
      // Pacing holds the source back, so the parser and the progress follow it.
      if (minDurationMs) await this.pace(this.fractionRead());
      for (const slice of slices(chunk)) {
        await this.letLoopRun();
        this.bytes += slice.length;
        if (knowsProgress) onProgress?.(this.fractionRead() * 100);
        yield slice;
      }
    }
  }

  /**
   * Each chunk is parsed and counted between two of its yields; once that has held the loop
   * MAX_LOOP_HOLD_MS, a setImmediate lets timers and I/O (health checks, requests) run first.
   */
  private async letLoopRun(): Promise<void> {
    const maxHoldMs = this.options.maxLoopHoldMs ?? MAX_LOOP_HOLD_MS;
    if (performance.now() - this.heldSince < maxHoldMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.heldSince = performance.now();
  }
}

/** csv-parse's options: skip malformed records, noting them, and bound record size. */
function parserOptions(delimiter: string, malformed: MalformedRows): ParserOptions {
  return {
    delimiter,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: false,
    // Without a bound, an unclosed quote buffers the rest of the file as one field.
    max_record_size: MAX_RECORD_BYTES,
    on_skip: (error) => {
      // The parser cannot resynchronise after an oversized record: what follows is its tail.
      if (!error || malformed.oversized) return undefined;
      malformed.record(error);
      if (error.code === 'CSV_MAX_RECORD_SIZE') malformed.oversized = true;
      return undefined;
    },
  };
}

/** The columns, named from the header (or numbered), and the statistics of each. */
class ColumnsCollector {
  columns: ColumnStats[] | null = null;
  processed = 0;
  private refusal: CsvInputError | null = null;

  constructor(
    private readonly hasHeader: boolean,
    private readonly maxColumns: number,
  ) {}

  add(record: string[]): void {
    if (this.columns === null) {
      // Refused before any column state exists: 80,000 of them once took 1.2 GB.
      if (this.refusal) throw this.refusal;
      if (record.length > this.maxColumns) {
        // Kept and thrown again for any record the parser still hands over: none is the header.
        this.refusal = tooManyColumns(record.length.toLocaleString('en-US'), this.maxColumns);
        throw this.refusal;
      }
      this.columns = record.map(
        (name, i) =>
          new ColumnStats(this.hasHeader ? name.trim() || `column_${i + 1}` : `column_${i + 1}`),
      );
      if (this.hasHeader) return;
    }
    for (let i = 0; i < this.columns.length; i++) this.columns[i].add(record[i] ?? '');
    this.processed++;
  }
}

function summarize(
  collected: ColumnsCollector,
  malformed: MalformedRows,
  delimiter: string,
  bytes: number,
): CsvAnalysis {
  const found: ColumnStats[] = collected.columns ?? [];
  if (collected.processed === 0 && malformed.count > 0) {
    const first = malformed.examples[0];
    throw new CsvInputError(
      `No row of the file could be parsed as CSV with delimiter ${JSON.stringify(delimiter)}` +
        (first ? ` (line ${first.line}: ${first.error})` : ''),
    );
  }
  const firstNumeric = found.find((column) => column.isNumeric);
  const numeric = firstNumeric?.numericSummary();
  return {
    total_rows: collected.processed + malformed.count,
    processed_rows: collected.processed,
    malformed_rows: malformed.count,
    malformed_examples: malformed.examples,
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

/** Pipes the counted source through a csv-parse stream into the column statistics. */
async function parseStream(
  counting: CountingSource,
  parserOptions: ParserOptions,
  collected: ColumnsCollector,
  { signal, milestones }: { signal?: AbortSignal; milestones?: RowMilestones },
): Promise<void> {
  const parser = parse(parserOptions);
  // Records are taken as the parser makes them, synchronously. Through an async iterator, each
  // chunk's few thousand records first wait in the stream's buffer and then cost a promise each.
  parser.on('data', (record: string[]) => {
    try {
      collected.add(record);
      if (
        milestones &&
        collected.processed > 0 &&
        collected.processed % MILESTONE_CHECK_ROWS === 0
      ) {
        milestones.check(counting.fractionRead(), collected.processed);
      }
    } catch (error) {
      parser.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  });
  // One chunk ahead is enough; Readable.from's default would buffer 16 of them.
  await pipeline(Readable.from(counting.chunks(), { highWaterMark: 1 }), parser, { signal });
}

/**
 * Stream-parses CSV in constant memory and summarises every column. Malformed rows are counted
 * and the first ones listed; the analysis fails when the input is not text, no row parses, or
 * it has more than `maxColumns` columns. It never holds the event loop much over MAX_LOOP_HOLD_MS.
 */
export async function analyzeCsv(
  source: Readable,
  options: CsvAnalysisOptions,
): Promise<CsvAnalysis> {
  try {
    return await analyzeSource(source, options);
  } finally {
    // A file refused before its end would otherwise keep its descriptor open.
    source.destroy();
  }
}

async function analyzeSource(source: Readable, options: CsvAnalysisOptions): Promise<CsvAnalysis> {
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const { head, sample, ended } = await readSample(chunks);
  const delimiter = options.delimiter ?? detectDelimiter(sample.toString('utf8'));
  // A paced run knows its progress by the clock even when the source's size is unknown.
  const pace = createPacer(options.minDurationMs ?? 0, options.signal, options.onProgress);
  const malformed = new MalformedRows(options.onLog);
  const milestones = options.onLog && new RowMilestones(options.onLog);
  options.onLog?.(
    'info',
    `Reading CSV with delimiter ${JSON.stringify(delimiter)}${options.delimiter ? '' : ' (detected)'}`,
  );
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  // A header far too wide is refused from its raw bytes, before the parser builds it.
  const width = new FirstRecordWidth(delimiter, maxColumns);
  refuseIfTooWide(width, sample);
  const counting = new CountingSource(head, chunks, options, malformed, pace, width);
  const collected = new ColumnsCollector(options.hasHeader, maxColumns);
  try {
    if (ended) {
      // The whole input is the sample (a small file): parsed in one synchronous call, without a
      // parser stream's set-up and events (ten rows: 52 µs against 79). Its records come back
      // at the end; none is lost to an error, as skip_records_with_error makes every parse
      // error a skip.
      options.signal?.throwIfAborted();
      counting.bytes = sample.length;
      for (const record of parseInMemory(sample, parserOptions(delimiter, malformed)))
        collected.add(record);
    } else {
      await parseStream(counting, parserOptions(delimiter, malformed), collected, {
        signal: options.signal,
        milestones,
      });
    }
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // A fatal parse error (an unclosed quote at the end, say) ends the file; keep what parsed.
    if (error instanceof CsvError) malformed.record(error);
    else throw error;
  }
  await pace(1);
  options.onProgress?.(100);
  const analysis = summarize(collected, malformed, delimiter, counting.bytes);
  options.onLog?.(
    analysis.malformed_rows > 0 ? 'warn' : 'info',
    `Parsed ${analysis.processed_rows.toLocaleString('en-US')} rows in ${analysis.columns.length} columns; ` +
      `${analysis.malformed_rows.toLocaleString('en-US')} malformed rows skipped`,
  );
  return analysis;
}
