// Memory: resident set size of one API process and one worker process with default settings,
// idle after start-up and idle again after a burst of small tasks (what a long-lived process
// keeps). Targets: each < 150 MB. The 1 GB CSV peak is measured in csv.mjs, where it runs.
import { readFileSync } from 'node:fs';
import { cpuMs } from './lib/cpu.mjs';
import {
  Cleanup,
  makeStore,
  sleep,
  spawnNode,
  startService,
  waitFor,
  waitForWorkers,
} from './lib/service.mjs';
import { completion, openSql } from './lib/sql.mjs';
import { inLanes } from './queue-throughput.mjs';

const TARGET_MB = 150;
const SIZES = { quick: { settleMs: 5_000, tasks: 200 }, full: { settleMs: 30_000, tasks: 5_000 } };

const rssMb = (pid) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};

/**
 * Waits until the process uses no CPU for a while (timers and pools started, garbage collected
 * as it would be when idle), at least `settleMs`, then reads its RSS.
 */
async function idleRss(pid, settleMs) {
  const deadline = Date.now() + settleMs * 4;
  await sleep(settleMs);
  for (;;) {
    const cpuBefore = cpuMs(pid);
    await sleep(1_000);
    // Under 2 % of one core: timers and heartbeats only.
    if (cpuMs(pid) - cpuBefore <= 20 || Date.now() > deadline) return rssMb(pid);
  }
}

export async function memory({ quick }) {
  const { settleMs, tasks } = quick ? SIZES.quick : SIZES.full;
  const cleanup = new Cleanup();
  try {
    const store = await makeStore('sqlite', 'memory', cleanup);
    // Default settings: info logs, as the README documents them.
    // Default settings, but for the rate limit: the full burst submits 5,000 tasks in seconds.
    const api = await startService(
      store,
      'api',
      { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '1000000' },
      cleanup,
    );
    const worker = await startService(store, 'worker', { LOG_LEVEL: 'info' }, cleanup);
    await waitForWorkers(api.url, 'csv_processing', 1);
    const idle = spawnNode(
      '-e',
      { args: ['console.log("ready"); setInterval(() => {}, 1 << 30);'] },
      cleanup,
    );
    await waitFor('a bare node process', () => idle.output().includes('ready'));
    const [apiIdle, workerIdle, nodeIdle] = await Promise.all(
      [api.pid, worker.pid, idle.pid].map((pid) => idleRss(pid, settleMs)),
    );

    const sql = await openSql(store);
    cleanup.add(() => sql.close());
    await inLanes(tasks, 20, async () => {
      const response = await fetch(`${api.url}/api/tasks/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          task_type: 'csv_processing',
          input_params: { num_rows: 10, processing_time: 0 },
        }),
      });
      if (response.status !== 200) throw new Error(`submit answered ${response.status}`);
      await response.arrayBuffer();
    });
    await waitFor(`${tasks} SUCCESS rows`, async () => (await completion(sql)).done >= tasks, {
      timeoutMs: 120_000 + tasks * 50,
    });
    const [apiAfter, workerAfter] = await Promise.all(
      [api.pid, worker.pid].map((pid) => idleRss(pid, settleMs)),
    );

    const row = (name, when, mb) => ({
      benchmark: `Memory: ${name} idle RSS`,
      size: when,
      system: `${mb.toFixed(0)} MB`,
      bare: `plain node process ${nodeIdle.toFixed(0)} MB`,
      ratio: '—',
      target: `< ${TARGET_MB} MB`,
      holds: mb < TARGET_MB,
    });
    return [
      row('API', 'after start-up, default settings', apiIdle),
      row('worker', 'after start-up, default settings', workerIdle),
      row('API', `after ${tasks} CSV tasks`, apiAfter),
      row('worker', `after ${tasks} CSV tasks`, workerAfter),
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await memory({ quick: process.argv.includes('--quick') }));
}
