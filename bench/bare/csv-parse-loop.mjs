// The bare-library side of the CSV benchmark: csv-parse with the service's parser options and
// the project's own ColumnStats (from dist/) per column, in a process of its own, so that its
// time and peak memory compare with the worker's. Prints one JSON line.
import { createReadStream, readFileSync } from 'node:fs';
import { parse } from 'csv-parse';
import { requireFromProject } from '../lib/service.mjs';

const { ColumnStats } = requireFromProject('./dist/task-types/csv/column-stats.js');
const path = process.argv[2];
const started = performance.now();
const parser = createReadStream(path, { highWaterMark: 256 * 1024 }).pipe(
  parse({
    delimiter: ',',
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    relax_quotes: false,
    max_record_size: 1024 * 1024,
  }),
);
let columns = null;
let rows = 0;
for await (const record of parser) {
  if (columns === null) {
    columns = record.map((name) => new ColumnStats(name.trim()));
    continue;
  }
  for (let i = 0; i < columns.length; i++) columns[i].add(record[i] ?? '');
  rows++;
}
const summaries = columns.map((column) => column.summary());
const ms = performance.now() - started;
const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(
  JSON.stringify({ ms, rows, columns: summaries.length, peakRssMb: Number(peak[1]) / 1024 }),
);
