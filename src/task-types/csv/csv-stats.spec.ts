import { Readable } from 'node:stream';
import { ColumnSummary } from './column-stats';
import { generateCsv } from './csv-generate';
import {
  analyzeCsv,
  CsvAnalysis,
  CsvInputError,
  DEFAULT_MAX_COLUMNS,
  MAX_MALFORMED_EXAMPLES,
  RowMilestones,
} from './csv-stats';
import { MAX_KEPT_VALUE_CHARS } from './long-values';

const source = (text: string | Buffer): Readable =>
  Readable.from(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'));

/** Splits the input into chunks, as a file stream would deliver it. */
const chunked = (text: string, size: number): Readable => {
  const buffer = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) chunks.push(buffer.subarray(i, i + size));
  return Readable.from(chunks);
};

const column = (analysis: CsvAnalysis, name: string): ColumnSummary => {
  const found = analysis.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name} in ${analysis.columns.map((c) => c.name).join()}`);
  return found;
};

const sampleStddev = (values: number[]): number => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const squares = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return Math.sqrt(squares / (values.length - 1));
};

/** Rows of `a,b` with `count` rows, about 16 bytes each. */
const numberedRows = (count: number): string => {
  let text = 'id,label\n';
  for (let i = 1; i <= count; i++) text += `${i},label ${i % 7}\n`;
  return text;
};

const KNOWN = [
  'name,qty,price,active,day,note,blank',
  'Ada,3,10.5,true,2025-01-02,x,',
  'Grace,1,2.25,false,2025-02-03,y,',
  'Alan,4,-1,yes,2025-03-04T10:00:00Z,x,',
  'Linus,,7,no,2025-04-05,,',
  'Ada,2,1e2,TRUE,2025-05-06 08:30,x,',
  '',
].join('\n');

describe('analyzeCsv', () => {
  describe('on a known table', () => {
    let analysis: CsvAnalysis;
    beforeAll(async () => {
      analysis = await analyzeCsv(source(KNOWN), { hasHeader: true });
    });

    it('counts the rows, not the header', () => {
      expect(analysis.total_rows).toBe(5);
      expect(analysis.processed_rows).toBe(5);
      expect(analysis.malformed_rows).toBe(0);
      expect(analysis.malformed_examples).toEqual([]);
      expect(analysis.bytes).toBe(Buffer.byteLength(KNOWN));
      expect(analysis.delimiter).toBe(',');
    });

    it('names the columns from the header, in order', () => {
      expect(analysis.columns.map((c) => c.name)).toEqual([
        'name',
        'qty',
        'price',
        'active',
        'day',
        'note',
        'blank',
      ]);
    });

    it('infers each column type', () => {
      expect(analysis.columns.map((c) => [c.name, c.type])).toEqual([
        ['name', 'text'],
        ['qty', 'integer'],
        ['price', 'number'],
        ['active', 'boolean'],
        ['day', 'date'],
        ['note', 'text'],
        ['blank', 'empty'],
      ]);
    });

    it('summarises an integer column, empty cells counted as nulls', () => {
      const qty = column(analysis, 'qty');
      expect(qty).toMatchObject({ count: 5, nulls: 1, min: 1, max: 4, sum: 10, mean: 2.5 });
      expect(qty.stddev).toBeCloseTo(sampleStddev([3, 1, 4, 2]), 12);
      expect(qty.distinct).toBeUndefined();
      expect(qty.top_values).toBeUndefined();
    });

    it('summarises a decimal column, exponent notation included', () => {
      const price = column(analysis, 'price');
      const values = [10.5, 2.25, -1, 7, 100];
      expect(price).toMatchObject({ count: 5, nulls: 0, min: -1, max: 100 });
      expect(price.sum).toBeCloseTo(118.75, 12);
      expect(price.mean).toBeCloseTo(23.75, 12);
      expect(price.stddev).toBeCloseTo(sampleStddev(values), 12);
    });

    it('gives text columns a distinct count and their most frequent values', () => {
      expect(column(analysis, 'name')).toMatchObject({
        count: 5,
        nulls: 0,
        distinct: 4,
        distinct_is_estimate: false,
        top_values: [
          { value: 'Ada', count: 2 },
          { value: 'Alan', count: 1 },
          { value: 'Grace', count: 1 },
          { value: 'Linus', count: 1 },
        ],
      });
      expect(column(analysis, 'note')).toMatchObject({
        count: 5,
        nulls: 1,
        distinct: 2,
        top_values: [
          { value: 'x', count: 3 },
          { value: 'y', count: 1 },
        ],
      });
    });

    it('reports an all-empty column as empty, with no value statistics', () => {
      expect(column(analysis, 'blank')).toEqual({
        name: 'blank',
        type: 'empty',
        count: 5,
        nulls: 5,
      });
    });

    it('computes the seed statistics over the first numeric column', () => {
      expect(analysis.statistics).toEqual({ column: 'qty', sum: 10, avg: 2.5, min: 1, max: 4 });
    });
  });

  it('has no seed statistics when no column is numeric', async () => {
    const analysis = await analyzeCsv(source('a,b\nx,true\ny,false\n'), { hasHeader: true });
    expect(analysis.statistics).toBeNull();
    expect(analysis.processed_rows).toBe(2);
  });

  it('keeps delimiters and line breaks inside quoted fields', async () => {
    const text =
      'id,comment,city\n1,"fast, cheap","Paris"\n2,"two\nlines",Oslo\n3,"say ""hi""",Rome\n';
    const analysis = await analyzeCsv(source(text), { hasHeader: true });
    expect(analysis.processed_rows).toBe(3);
    expect(analysis.malformed_rows).toBe(0);
    const values = column(analysis, 'comment').top_values?.map((t) => t.value);
    expect(values).toEqual(expect.arrayContaining(['fast, cheap', 'two\nlines', 'say "hi"']));
    expect(column(analysis, 'city').distinct).toBe(3);
  });

  it('reads CRLF line endings without leaving carriage returns in values', async () => {
    const analysis = await analyzeCsv(source('id,word\r\n1,alpha\r\n2,beta\r\n'), {
      hasHeader: true,
    });
    expect(analysis.processed_rows).toBe(2);
    expect(column(analysis, 'word').top_values).toEqual([
      { value: 'alpha', count: 1 },
      { value: 'beta', count: 1 },
    ]);
    expect(column(analysis, 'id').type).toBe('integer');
  });

  it('skips a UTF-8 byte order mark, also when the first header is quoted', async () => {
    const plain = await analyzeCsv(source('\uFEFFid,name\n1,é\n2,ü\n'), { hasHeader: true });
    expect(plain.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(column(plain, 'id').type).toBe('integer');
    expect(column(plain, 'name').top_values?.map((t) => t.value)).toEqual(['é', 'ü']);

    const quoted = await analyzeCsv(source('\uFEFF"id";"name"\n1;a\n2;b\n'), { hasHeader: true });
    expect(quoted.delimiter).toBe(';');
    expect(quoted.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(quoted.malformed_rows).toBe(0);
  });

  it.each([
    [';', 'a;b;c\n1;2,5;x\n3;4,5;y\n'],
    ['\t', 'a\tb\tc\n1\t2,5\tx\n3\t4,5\ty\n'],
    ['|', 'a|b|c\n1|2,5|x\n3|4,5|y\n'],
  ])('detects the delimiter %j', async (delimiter, text) => {
    const analysis = await analyzeCsv(source(text), { hasHeader: true });
    expect(analysis.delimiter).toBe(delimiter);
    expect(analysis.columns.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(column(analysis, 'a')).toMatchObject({ type: 'integer', sum: 4 });
    expect(column(analysis, 'b').top_values?.map((t) => t.value)).toEqual(['2,5', '4,5']);
  });

  it('uses the delimiter it is given over the one it would detect', async () => {
    const text = 'a,b;c\n1,2;3\n4,5;6\n7,8;9\n';
    const detected = await analyzeCsv(source(text), { hasHeader: true });
    expect(detected.delimiter).toBe(',');

    const given = await analyzeCsv(source(text), { hasHeader: true, delimiter: ';' });
    expect(given.delimiter).toBe(';');
    expect(given.columns.map((c) => c.name)).toEqual(['a,b', 'c']);
    expect(column(given, 'c')).toMatchObject({ type: 'integer', sum: 18 });
    expect(column(given, 'a,b').type).toBe('text');
  });

  it('names the columns column_1… and counts every row when there is no header', async () => {
    const analysis = await analyzeCsv(source('1,x,true\n2,y,false\n3,z,true\n'), {
      hasHeader: false,
    });
    expect(analysis.columns.map((c) => c.name)).toEqual(['column_1', 'column_2', 'column_3']);
    expect(analysis.processed_rows).toBe(3);
    expect(analysis.total_rows).toBe(3);
    expect(column(analysis, 'column_1')).toMatchObject({ type: 'integer', sum: 6, count: 3 });
    expect(column(analysis, 'column_3').type).toBe('boolean');
    expect(analysis.statistics).toEqual({ column: 'column_1', sum: 6, avg: 2, min: 1, max: 3 });
  });

  it('names a blank header after its position and trims the others', async () => {
    const analysis = await analyzeCsv(source(' id ,,name\n1,2,x\n'), { hasHeader: true });
    expect(analysis.columns.map((c) => c.name)).toEqual(['id', 'column_2', 'name']);
  });

  describe('malformed rows', () => {
    it('counts rows with the wrong number of fields and lists them with their line', async () => {
      const text = 'a,b\n1,2\n3\n4,5\n6,7,8\n9,10\n';
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      expect(analysis.processed_rows).toBe(3);
      expect(analysis.malformed_rows).toBe(2);
      expect(analysis.total_rows).toBe(5);
      expect(analysis.malformed_examples.map((m) => m.line)).toEqual([3, 5]);
      for (const example of analysis.malformed_examples) {
        expect(example.error).toMatch(/record length/i);
      }
      expect(column(analysis, 'a')).toMatchObject({ count: 3, sum: 14 });
    });

    it('counts line numbers past quoted line breaks and blank lines', async () => {
      const text = 'a,b\n1,"x\ny"\n\n3\n4,5\n';
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      expect(analysis.malformed_examples.map((m) => m.line)).toEqual([5]);
    });

    it(`lists at most ${MAX_MALFORMED_EXAMPLES} examples but counts them all`, async () => {
      let text = 'a,b\n';
      for (let i = 0; i < 30; i++) text += `${i},${i}\nbroken\n`;
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      expect(analysis.processed_rows).toBe(30);
      expect(analysis.malformed_rows).toBe(30);
      expect(analysis.total_rows).toBe(60);
      expect(analysis.malformed_examples).toHaveLength(MAX_MALFORMED_EXAMPLES);
      expect(analysis.malformed_examples.map((m) => m.line)).toEqual(
        Array.from({ length: MAX_MALFORMED_EXAMPLES }, (_, i) => 3 + 2 * i),
      );
    });

    it('keeps the rows before an unclosed quote and counts the quote as malformed', async () => {
      const text = 'a,b\n1,2\n3,4\n5,"never closed\n6,7\n';
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      expect(analysis.processed_rows).toBe(2);
      expect(analysis.malformed_rows).toBe(1);
      expect(analysis.malformed_examples).toHaveLength(1);
      expect(analysis.malformed_examples[0].error).toMatch(/quote not closed/i);
      expect(analysis.malformed_examples[0].line).toBeGreaterThanOrEqual(4);
      expect(column(analysis, 'a')).toMatchObject({ count: 2, sum: 4 });
    });

    it('stops at an unclosed quote instead of buffering the rest of a large file', async () => {
      const text = `a,b\n1,2\n3,"never closed\n${numberedRows(250_000)}`;
      const totalBytes = Buffer.byteLength(text);
      const analysis = await analyzeCsv(chunked(text, 64 * 1024), { hasHeader: true, totalBytes });
      expect(analysis.processed_rows).toBe(1);
      expect(analysis.malformed_rows).toBe(1);
      expect(analysis.malformed_examples).toHaveLength(1);
      // It gave up well before the end, so memory never held the swallowed rest.
      expect(analysis.bytes).toBeLessThan(totalBytes / 2);
    });
  });

  describe('input that is not CSV', () => {
    it('rejects binary data (a NUL byte) with CsvInputError', async () => {
      const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
      const attempt = analyzeCsv(source(zip), { hasHeader: true });
      await expect(attempt).rejects.toBeInstanceOf(CsvInputError);
      await expect(attempt).rejects.toThrow(/binary data.*offset 5/);
    });

    it('rejects a NUL byte that appears after the first 64 KiB, naming its file offset', async () => {
      const text = numberedRows(10_000);
      const offset = Buffer.byteLength(text);
      const attempt = analyzeCsv(chunked(`${text}\u0000tail\n`, 16 * 1024), {
        hasHeader: true,
      });
      await expect(attempt).rejects.toBeInstanceOf(CsvInputError);
      await expect(attempt).rejects.toThrow(`offset ${offset}`);
    });

    it('fails with CsvInputError when no row parses', async () => {
      const attempt = analyzeCsv(source('a,b\n1\n2\n3\n'), { hasHeader: true });
      await expect(attempt).rejects.toBeInstanceOf(CsvInputError);
      await expect(attempt).rejects.toThrow(/No row .* delimiter "," \(line 2: /);
    });

    it('fails with CsvInputError when the only row is an unclosed quote', async () => {
      const attempt = analyzeCsv(source('"abc,def\n'), { hasHeader: false });
      await expect(attempt).rejects.toBeInstanceOf(CsvInputError);
    });
  });

  describe('progress', () => {
    it('is monotone, within 0–100, and ends at 100 when the size is known', async () => {
      const text = numberedRows(20_000);
      const totalBytes = Buffer.byteLength(text);
      const seen: number[] = [];
      const analysis = await analyzeCsv(chunked(text, 8 * 1024), {
        hasHeader: true,
        totalBytes,
        onProgress: (percent) => seen.push(percent),
      });
      expect(analysis.processed_rows).toBe(20_000);
      expect(analysis.bytes).toBe(totalBytes);
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
      for (const percent of seen) {
        expect(percent).toBeGreaterThanOrEqual(0);
        expect(percent).toBeLessThanOrEqual(100);
      }
      expect(seen[seen.length - 1]).toBe(100);
    });

    it('follows fractionDone for a source of unknown size', async () => {
      const text = numberedRows(20_000);
      const chunks = chunked(text, 8 * 1024);
      let produced = 0;
      const counting = Readable.from(
        (async function* () {
          for await (const chunk of chunks) {
            produced += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
        })(),
      );
      const seen: number[] = [];
      await analyzeCsv(counting, {
        hasHeader: true,
        fractionDone: () => produced / Buffer.byteLength(text),
        onProgress: (percent) => seen.push(percent),
      });
      expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
      expect(seen[seen.length - 1]).toBe(100);
    });
  });

  describe('cancellation and pacing', () => {
    it('rejects with the abort reason when the signal aborts mid-file', async () => {
      const controller = new AbortController();
      const reason = new Error('cancelled by the user');
      async function* endless(): AsyncGenerator<Buffer> {
        yield Buffer.from('id,label\n');
        const rows = Buffer.from(numberedRows(1000).replace('id,label\n', ''));
        for (;;) yield rows;
      }
      let calls = 0;
      const attempt = analyzeCsv(Readable.from(endless()), {
        hasHeader: true,
        totalBytes: 1e12,
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 50) controller.abort(reason);
        },
      });
      await expect(attempt).rejects.toBe(reason);
      expect(calls).toBeGreaterThanOrEqual(50);
    });

    it('rejects while it is pacing a long run', async () => {
      const controller = new AbortController();
      const reason = new Error('stop');
      const attempt = analyzeCsv(source(numberedRows(5000)), {
        hasHeader: true,
        signal: controller.signal,
        minDurationMs: 3_600_000,
      });
      setTimeout(() => controller.abort(reason), 30);
      await expect(attempt).rejects.toBe(reason);
    });

    it('rejects at once when the signal is already aborted', async () => {
      const reason = new Error('already cancelled');
      const attempt = analyzeCsv(source(KNOWN), {
        hasHeader: true,
        signal: AbortSignal.abort(reason),
      });
      await expect(attempt).rejects.toBe(reason);
    });

    it('shows progress rising through a paced run of a file that fits in its first sample', async () => {
      // Timers and the clock are fake; the streams' own scheduling stays real.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        const rows = 1000;
        let generated = 0;
        const reports: { at: number; percent: number }[] = [];
        const start = Date.now();
        let finished = false;
        const analysis = analyzeCsv(generateCsv(rows, { onRows: (n) => (generated = n) }), {
          hasHeader: true,
          fractionDone: () => generated / rows,
          minDurationMs: 4000,
          onProgress: (percent) => reports.push({ at: Date.now() - start, percent }),
        }).finally(() => (finished = true));
        // The progress seen at the end of each simulated second.
        const seen: number[] = [];
        for (let second = 1; second <= 4; second++) {
          await jest.advanceTimersByTimeAsync(1000);
          seen.push(Math.max(0, ...reports.map((report) => report.percent)));
        }
        while (!finished) await jest.advanceTimersByTimeAsync(100);
        expect((await analysis).processed_rows).toBe(rows);
        expect(seen[0]).toBeGreaterThan(15);
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] + 15);
        expect(reports[reports.length - 1].percent).toBe(100);
      } finally {
        jest.useRealTimers();
      }
    });

    it('lasts at least minDurationMs', async () => {
      const started = Date.now();
      const analysis = await analyzeCsv(source(numberedRows(4500)), {
        hasHeader: true,
        minDurationMs: 300,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(analysis.processed_rows).toBe(4500);
    });
  });

  describe('limits', () => {
    const wideTable = (columns: number, rows: number, cell: (c: number) => string): string => {
      const header = Array.from({ length: columns }, (_, c) => `c${c}`).join(',');
      const row = Array.from({ length: columns }, (_, c) => cell(c)).join(',');
      return `${header}\n${`${row}\n`.repeat(rows)}`;
    };

    it(`fails a file with more than ${DEFAULT_MAX_COLUMNS} columns, naming the limit`, async () => {
      const attempt = analyzeCsv(source(wideTable(DEFAULT_MAX_COLUMNS + 1, 2, () => 'x')), {
        hasHeader: true,
      });
      await expect(attempt).rejects.toBeInstanceOf(CsvInputError);
      await expect(attempt).rejects.toThrow(
        'The file has 2,001 columns; at most 2,000 can be analysed (CSV_MAX_COLUMNS)',
      );
    });

    it('takes exactly maxColumns columns, and counts a headerless first row too', async () => {
      const analysis = await analyzeCsv(source(wideTable(5, 3, (c) => String(c))), {
        hasHeader: true,
        maxColumns: 5,
      });
      expect(analysis.columns).toHaveLength(5);
      expect(analysis.processed_rows).toBe(3);
      const headerless = analyzeCsv(source('1,2,3\n4,5,6\n'), { hasHeader: false, maxColumns: 2 });
      await expect(headerless).rejects.toThrow('at most 2 can be analysed (CSV_MAX_COLUMNS)');
    });

    /** `text` in 16 KiB chunks, counting how many were pulled (one at most read ahead). */
    const pulledFrom = (
      text: string,
    ): { stream: Readable; pulled: () => number; total: number } => {
      const buffer = Buffer.from(text);
      const size = 16 * 1024;
      let pulled = 0;
      function* chunks(): Generator<Buffer> {
        for (let i = 0; i < buffer.length; i += size) {
          pulled++;
          yield buffer.subarray(i, i + size);
        }
      }
      const total = Math.ceil(buffer.length / size);
      return { stream: Readable.from(chunks(), { highWaterMark: 1 }), pulled: () => pulled, total };
    };

    it('refuses a header far over the limit from its first KiB, not once it is parsed', async () => {
      const header = Array.from({ length: 80_000 }, (_, c) => `c${c}`).join(',');
      const file = pulledFrom(`${header}\n${'x,'.repeat(79_999)}x\n`);
      const attempt = analyzeCsv(file.stream, { hasHeader: true, maxColumns: 50 });
      await expect(attempt).rejects.toThrow(
        'The file has more than 50 columns; at most 50 can be analysed (CSV_MAX_COLUMNS)',
      );
      // The 64 KiB sample (4 chunks) and one read ahead, of 33.
      expect(file.pulled()).toBeLessThanOrEqual(5);
      expect(file.total).toBeGreaterThan(30);
      expect(file.stream.destroyed).toBe(true);
    });

    it('refuses a header of long names once the field past the limit is read', async () => {
      const name = (c: number): string => `${c}`.padEnd(2000, '_');
      const header = Array.from({ length: 100 }, (_, c) => name(c)).join(',');
      const file = pulledFrom(`${header}\n${'1,'.repeat(99)}1\n`);
      const attempt = analyzeCsv(file.stream, { hasHeader: true, maxColumns: 50 });
      await expect(attempt).rejects.toThrow('The file has more than 50 columns; at most 50');
      // Column 51 starts at 98 KiB, in the seventh chunk; the header runs to the thirteenth.
      expect(file.pulled()).toBeLessThanOrEqual(8);
      expect(file.total).toBe(13);
    });

    it('refuses a header longer than the 1 MiB record bound by its columns', async () => {
      const header = Array.from({ length: 200_000 }, (_, c) => `col${c}`).join(',');
      expect(header.length).toBeGreaterThan(1024 * 1024);
      const attempt = analyzeCsv(chunked(`${header}\n1\n`, 64 * 1024), { hasHeader: true });
      await expect(attempt).rejects.toThrow(
        'The file has more than 2,000 columns; at most 2,000 can be analysed (CSV_MAX_COLUMNS)',
      );
    });

    it('still counts a wide header the byte count gives up on, from the parsed record', async () => {
      // An empty first line leaves the count to the parser, which still refuses by the limit.
      const header = Array.from({ length: 60 }, (_, c) => `c${c}`).join(',');
      const attempt = analyzeCsv(source(`\n${header}\n1\n`), { hasHeader: true, maxColumns: 50 });
      await expect(attempt).rejects.toThrow('The file has 60 columns; at most 50 can be analysed');
    });

    it('closes the source of a file it refuses', async () => {
      const binary = source(Buffer.concat([Buffer.from('a,b\n'), Buffer.alloc(200_000)]));
      await expect(analyzeCsv(binary, { hasHeader: true })).rejects.toThrow('binary data');
      expect(binary.destroyed).toBe(true);
    });

    it('counts values over 1 KiB by hash and shows them cut short', async () => {
      const long = (n: number): string => `${String(n).padStart(4, '0')}${'v'.repeat(4000)}`;
      let text = 'id,blob\n';
      for (let i = 0; i < 300; i++) text += `${i},${long(i)}\n`;
      for (let i = 0; i < 7; i++) text += `x,${long(42)}\n`;
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      const blob = column(analysis, 'blob');
      expect(blob.type).toBe('text');
      expect(blob.distinct).toBe(300);
      expect(blob.top_values?.[0].count).toBe(8);
      const shown = blob.top_values?.[0].value ?? '';
      expect(shown.startsWith(long(42).slice(0, 100))).toBe(true);
      expect(shown).toMatch(/… \(4,004 characters, sha256 [0-9a-f]{16}\)$/);
      expect(shown.length).toBeLessThan(MAX_KEPT_VALUE_CHARS);
    });

    it('keeps the result of the widest allowed file with long names and values small', async () => {
      const text =
        Array.from({ length: DEFAULT_MAX_COLUMNS }, (_, c) => `${c}${'n'.repeat(400)}`).join(',') +
        '\n' +
        Array.from({ length: 5 }, (_, r) =>
          Array.from({ length: DEFAULT_MAX_COLUMNS }, () => `${r}${'t'.repeat(400)}`).join(','),
        ).join('\n');
      const analysis = await analyzeCsv(source(text), { hasHeader: true });
      expect(analysis.columns).toHaveLength(DEFAULT_MAX_COLUMNS);
      expect(analysis.columns[0].name).toMatch(/^0n{99}… \(401 characters\)$/);
      // 2,000 columns of 5 top values each, every one shown in at most ~150 characters.
      expect(JSON.stringify(analysis).length).toBeLessThan(3 * 1024 * 1024);
    }, 30_000);

    it('lets the event loop run between chunks of a source that never waits', async () => {
      // A generated source is all in memory: without yielding, not one timer would run.
      let turns = 0;
      let ticking = true;
      const tick = (): void => {
        turns++;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      const rows = 20_000;
      const analysis = await analyzeCsv(generateCsv(rows), {
        hasHeader: true,
        maxLoopHoldMs: 0,
      }).finally(() => (ticking = false));
      expect(analysis.processed_rows).toBe(rows);
      // The generator makes one chunk per 1,000 rows; the loop ran between each two.
      expect(turns).toBeGreaterThanOrEqual(rows / 1000 - 1);
    });
  });
});

describe('analyzeCsv task log', () => {
  it('reports the delimiter, each malformed row, milestones and the outcome', async () => {
    const lines: [string, string][] = [];
    const rows = ['id,value', ...Array.from({ length: 5000 }, (_, i) => `${i},${i * 2}`)];
    rows.splice(10, 0, '1,2,3,4');
    rows.splice(20, 0, 'a,b,c');
    const text = `${rows.join('\n')}\n`;
    await analyzeCsv(source(text), {
      hasHeader: true,
      totalBytes: Buffer.byteLength(text),
      onLog: (level, message) => lines.push([level, message]),
    });
    expect(lines[0]).toEqual(['info', 'Reading CSV with delimiter "," (detected)']);
    expect(lines.filter(([level]) => level === 'warn').length).toBeGreaterThanOrEqual(2);
    expect(lines.some(([, message]) => /^Line \d+ skipped: /.test(message))).toBe(true);
    expect(lines.at(-1)?.[1]).toMatch(/^Parsed 5,000 rows in 2 columns; 2 malformed rows skipped$/);
  });
});

describe('RowMilestones', () => {
  it('logs each tenth once, never the end', () => {
    const said: string[] = [];
    const milestones = new RowMilestones((_level, message) => said.push(message));
    milestones.check(0.05, 10);
    milestones.check(0.12, 20);
    milestones.check(0.15, 30);
    milestones.check(0.45, 40);
    milestones.check(1, 50);
    expect(said).toEqual(['Parsed 20 rows (10% read)', 'Parsed 40 rows (40% read)']);
  });
});
