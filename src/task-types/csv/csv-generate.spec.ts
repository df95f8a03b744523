import { parse } from 'csv-parse/sync';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { analyzeCsv } from './csv-stats';
import {
  GENERATED_HEADER,
  generateCsv,
  generateCsvFile,
  generateRow,
  seededRandom,
} from './csv-generate';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays within [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(first.filter((value) => !(value >= 0 && value < 1))).toEqual([]);
    const c = seededRandom(43);
    expect(Array.from({ length: 10 }, () => c())).not.toEqual(first.slice(0, 10));
  });
});

describe('generateRow', () => {
  it('writes one CSV line with the header’s fields, the id first', () => {
    const line = generateRow(7, seededRandom(1));
    expect(line.endsWith('\n')).toBe(true);
    const [fields] = parse(line);
    expect(fields).toHaveLength(GENERATED_HEADER.length);
    expect(fields[0]).toBe('7');
    expect(fields[1]).toMatch(/^\w+, \w+$/);
    expect(fields[2]).toMatch(/^[a-z]+\.[a-z]+7@example\.com$/);
  });
});

describe('generateCsv', () => {
  it('streams what generateCsvFile writes, telling how many rows are generated so far', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-generate-'));
    try {
      const path = join(dir, 'orders.csv');
      await generateCsvFile(path, 2500, { seed: 3 });
      const counts: number[] = [];
      const chunks: Buffer[] = [];
      for await (const chunk of generateCsv(2500, { seed: 3, onRows: (n) => counts.push(n) }))
        chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(readFileSync(path))).toBe(true);
      expect(counts).toEqual([1000, 2000, 2500]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generateCsvFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'csv-generate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the header and N rows that csv-parse reads back, ids 1..N', async () => {
    const path = join(dir, 'orders.csv');
    const rows = 2500;
    const size = await generateCsvFile(path, rows);
    expect(size).toBe(statSync(path).size);

    const records = parse(readFileSync(path));
    expect(records[0]).toEqual(GENERATED_HEADER);
    expect(records).toHaveLength(rows + 1);
    const data = records.slice(1);
    expect(data.map((record) => Number(record[0]))).toEqual(
      Array.from({ length: rows }, (_, i) => i + 1),
    );
    const regions = ['', 'north', 'south', 'east', 'west', 'central'];
    const wrong = data.filter((record) => {
      const [, , email, amount, quantity, inStock, orderedAt, region] = record;
      return (
        record.length !== GENERATED_HEADER.length ||
        !/^[a-z]+\.[a-z]+\d+@example\.com$/.test(email) ||
        !/^\d+\.\d{2}$/.test(amount) ||
        !(Number(quantity) >= 1 && Number(quantity) <= 20) ||
        !['true', 'false'].includes(inStock) ||
        !/^2025-\d{2}-\d{2}$/.test(orderedAt) ||
        !regions.includes(region)
      );
    });
    expect(wrong).toEqual([]);
    // Every region shows up, and about 2% of them are left empty.
    const empty = data.filter((record) => record[7] === '').length;
    expect(new Set(data.map((record) => record[7]))).toEqual(new Set(regions));
    expect(empty).toBeGreaterThan(0);
    expect(empty).toBeLessThan(rows * 0.05);
  });

  it('writes the same file for the same seed and another for another seed', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const c = join(dir, 'c.csv');
    await generateCsvFile(a, 1500, { seed: 9 });
    await generateCsvFile(b, 1500, { seed: 9 });
    await generateCsvFile(c, 1500, { seed: 10 });
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(c).equals(readFileSync(a))).toBe(false);
  });

  it('writes only the header for zero rows', async () => {
    const path = join(dir, 'empty.csv');
    await generateCsvFile(path, 0);
    expect(readFileSync(path, 'utf8')).toBe(`${GENERATED_HEADER.join(',')}\n`);
  });

  it('gives each column the type the analysis should find', async () => {
    const path = join(dir, 'typed.csv');
    const totalBytes = await generateCsvFile(path, 3000);
    const analysis = await analyzeCsv(createReadStream(path), { hasHeader: true, totalBytes });
    expect(analysis.processed_rows).toBe(3000);
    expect(analysis.malformed_rows).toBe(0);
    expect(analysis.bytes).toBe(totalBytes);
    expect(Object.fromEntries(analysis.columns.map((c) => [c.name, c.type]))).toEqual({
      id: 'integer',
      customer: 'text',
      email: 'text',
      amount: 'number',
      quantity: 'integer',
      in_stock: 'boolean',
      ordered_at: 'date',
      region: 'text',
    });
    expect(analysis.statistics).toMatchObject({ column: 'id', min: 1, max: 3000, sum: 4_501_500 });
  });

  it('stops with the abort reason when the signal aborts', async () => {
    const reason = new Error('cancelled');
    await expect(
      generateCsvFile(join(dir, 'aborted.csv'), 50_000, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
  });

  it('rejects when the file cannot be written', async () => {
    await expect(generateCsvFile(join(dir, 'missing', 'x.csv'), 10)).rejects.toThrow(/ENOENT/);
  });
});
