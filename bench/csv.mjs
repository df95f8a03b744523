// CSV: one generated file uploaded and analysed by a csv_processing task (submit to SUCCESS)
// beside a bare csv-parse loop computing the same column statistics; MB/s each and the
// worker's peak RSS.
import { mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Cleanup,
  peakRssMb,
  PROJECT_ROOT,
  requireFromProject,
  spawnNode,
  waitFor,
} from './lib/service.mjs';
import { startTaskService } from './lib/task-service.mjs';

/** About 85 bytes per generated row: 235,000 rows ≈ 20 MB, 11,750,000 rows ≈ 1 GB. */
const ROWS = { quick: 235_000, full: 11_750_000 };

export async function upload(url, path, name) {
  const form = new FormData();
  form.append('file', await openAsBlob(path), name);
  const response = await fetch(`${url}/api/files`, { method: 'POST', body: form });
  if (response.status !== 201)
    throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  return (await response.json()).file_id;
}

/**
 * Submits a task and waits for SUCCESS; returns ms from submit to the row's completed_at. The
 * time comes from the row, so a longer `intervalMs` loses no precision; it only polls less (each
 * poll costs the API and this process CPU that a CPU-bound task would otherwise get).
 */
export async function runTask(url, body, timeoutMs, intervalMs = 50) {
  const submitted = Date.now();
  const response = await fetch(`${url}/api/tasks/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(`submit answered ${response.status}: ${await response.text()}`);
  const { id } = await response.json();
  const task = await waitFor(
    `task ${id} to finish`,
    async () => {
      const current = await (await fetch(`${url}/api/tasks/${id}`)).json();
      if (current.status === 'FAILED' || current.status === 'CANCELLED') {
        throw new Error(`task ${id} ended ${current.status}: ${current.error_message}`);
      }
      return current.status === 'SUCCESS' ? current : null;
    },
    { timeoutMs, intervalMs },
  );
  return { ms: new Date(task.completed_at).getTime() - submitted, task };
}

export async function csv({ quick, shared }) {
  const rows = quick ? ROWS.quick : ROWS.full;
  const cleanup = new Cleanup();
  try {
    const dir = mkdtempSync(join(tmpdir(), 'conveyor-bench-csv-'));
    cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'bench.csv');
    const { generateCsvFile } = requireFromProject('./dist/task-types/csv/csv-generate.js');
    await generateCsvFile(path, rows);
    const mb = statSync(path).size / 1e6;

    const { api, worker } = shared ?? (await startTaskService(cleanup));
    const fileId = await upload(api.url, path, 'bench.csv');
    const system = await runTask(
      api.url,
      { task_type: 'csv_processing', input_params: { file_id: fileId, has_header: true } },
      30 * 60_000,
    );
    if (system.task.result_data.processed_rows !== rows) {
      throw new Error(
        `the task processed ${system.task.result_data.processed_rows} rows of ${rows}`,
      );
    }
    const workerRss = peakRssMb(worker.pid);

    const bareProcess = spawnNode(
      join(PROJECT_ROOT, 'bench', 'bare', 'csv-parse-loop.mjs'),
      { args: [path] },
      cleanup,
    );
    const code = await bareProcess.exited;
    if (code !== 0) throw new Error(`the bare CSV loop failed:\n${bareProcess.output()}`);
    const bare = JSON.parse(bareProcess.output().trim().split('\n').pop());

    const systemRate = mb / (system.ms / 1000);
    const bareRate = mb / (bare.ms / 1000);
    return [
      {
        benchmark: 'CSV analysis (sqlite)',
        size: `${mb.toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows`,
        system: `${systemRate.toFixed(1)} MB/s, worker peak RSS ${workerRss.toFixed(0)} MB`,
        bare: `${bareRate.toFixed(1)} MB/s, peak RSS ${bare.peakRssMb.toFixed(0)} MB`,
        ratio: systemRate / bareRate,
        target: 'ratio ≥ 0.9, RSS < 200 MB',
        holds: systemRate / bareRate >= 0.9 && workerRss < 200,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await csv({ quick: process.argv.includes('--quick') }));
}
