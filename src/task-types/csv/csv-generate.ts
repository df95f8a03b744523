import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Linus',
  'Barbara',
  'Ken',
  'Margaret',
  'Dennis',
  'Frances',
  'Edsger',
];
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Torvalds',
  'Liskov',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Allen',
  'Dijkstra',
];
const REGIONS = ['north', 'south', 'east', 'west', 'central'];
export const GENERATED_HEADER = [
  'id',
  'customer',
  'email',
  'amount',
  'quantity',
  'in_stock',
  'ordered_at',
  'region',
];

/** A small seeded PRNG (mulberry32), so a generated file can be reproduced. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row `id` (1-based) of the generated orders table; about 2% of regions are left empty. */
export function generateRow(id: number, random: () => number): string {
  const first = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)];
  const last = LAST_NAMES[Math.floor(random() * LAST_NAMES.length)];
  const amount = (random() * 1000).toFixed(2);
  const quantity = 1 + Math.floor(random() * 20);
  const inStock = random() < 0.7 ? 'true' : 'false';
  const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 365) * 86_400_000);
  const region = random() < 0.02 ? '' : REGIONS[Math.floor(random() * REGIONS.length)];
  return `${id},"${last}, ${first}",${first.toLowerCase()}.${last.toLowerCase()}${id}@example.com,${amount},${quantity},${inStock},${day.toISOString().slice(0, 10)},${region}\n`;
}

const ROWS_PER_CHUNK = 1000;

/**
 * The generated orders table as a stream of chunks of realistic mixed columns (integer, text
 * with quoted commas, e-mail, decimal, boolean, date, sparse text), header first; `onRows` is
 * told how many rows have been generated so far.
 */
export function generateCsv(
  rows: number,
  { seed = 1, onRows }: { seed?: number; onRows?: (generated: number) => void } = {},
): Readable {
  const random = seededRandom(seed);
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(`${GENERATED_HEADER.join(',')}\n`);
    for (let from = 1; from <= rows; from += ROWS_PER_CHUNK) {
      const to = Math.min(rows, from + ROWS_PER_CHUNK - 1);
      let batch = '';
      for (let id = from; id <= to; id++) batch += generateRow(id, random);
      onRows?.(to);
      yield Buffer.from(batch);
    }
  }
  return Readable.from(chunks());
}

/** Writes `rows` generated rows to `path`, honouring back-pressure; returns the size. */
export async function generateCsvFile(
  path: string,
  rows: number,
  { seed = 1, signal }: { seed?: number; signal?: AbortSignal } = {},
): Promise<number> {
  let bytes = 0;
  const source = generateCsv(rows, { seed });
  source.on('data', (chunk: Buffer) => (bytes += chunk.length));
  try {
    await pipeline(source, createWriteStream(path), { signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason as Error;
    throw error;
  }
  return bytes;
}
