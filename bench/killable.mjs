// Killable path: the same CSV analysis run in the worker's own thread (the small-task path) and
// in a pooled worker thread (the path a forced stop can terminate), one run at a time, on the
// same generated rows. It answers what a run pays for being killable: the message round trip,
// the input's copy and, for the first run only, the thread's start.
import { join } from 'node:path';
import { PROJECT_ROOT, requireFromProject } from './lib/service.mjs';

const SIZES = { quick: [1_000, 20_000], full: [1_000, 20_000, 200_000] };
const RUNS = { quick: 10, full: 40 };

requireFromProject('reflect-metadata');
const dist = (path) => requireFromProject(join(PROJECT_ROOT, 'dist', path));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timeRuns(runs, run) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return { mean: times.reduce((a, b) => a + b, 0) / runs, median: median(times) };
}

export async function killable({ quick }) {
  const { runCsvAnalysis } = dist('task-types/csv/csv-run.js');
  const { ThreadPool } = dist('queue/thread-pool.service.js');
  const config = { concurrency: { csv_processing: 1, image_processing: 0 } };
  const pool = new ThreadPool(config);
  const thread = join(PROJECT_ROOT, 'dist', 'task-types', 'csv', 'csv.thread.js');
  const context = () => ({
    signal: new globalThis.AbortController().signal,
    onProgress: () => undefined,
    log: () => undefined,
  });
  const inputOf = (rows) => ({
    params: { num_rows: rows, has_header: true, processing_time: 0 },
    maxColumns: 2000,
  });
  const rows = [];
  try {
    const coldStart = performance.now();
    await pool.run(thread, inputOf(10), context());
    const cold = performance.now() - coldStart;
    const runs = quick ? RUNS.quick : RUNS.full;
    for (const size of quick ? SIZES.quick : SIZES.full) {
      const input = inputOf(size);
      const count = size >= 200_000 ? Math.ceil(runs / 8) : runs;
      // Warm both paths first: the parser's code is compiled in each thread on its own.
      await runCsvAnalysis(input, context());
      await pool.run(thread, input, context());
      const here = await timeRuns(count, () => runCsvAnalysis(input, context()));
      const there = await timeRuns(count, () => pool.run(thread, input, context()));
      rows.push({
        benchmark: 'Killable path: CSV run in a worker thread ÷ in the worker',
        size: `${size.toLocaleString('en-US')} generated rows, ${count} runs one at a time`,
        system: `thread: ${there.mean.toFixed(2)} ms/run (median ${there.median.toFixed(2)}), overhead ${(there.mean - here.mean).toFixed(2)} ms/run; first thread run ${cold.toFixed(0)} ms`,
        bare: `in the worker: ${here.mean.toFixed(2)} ms/run (median ${here.median.toFixed(2)})`,
        ratio: here.mean / there.mean,
        target: '—',
        holds: null,
      });
    }
    return rows;
  } finally {
    await pool.onApplicationShutdown();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await killable({ quick: process.argv.includes('--quick') }));
}
