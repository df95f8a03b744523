// Memory: resident set size of one API process and one worker process with default settings,
// idle after start-up and idle again after a burst of small tasks (what a long-lived process
// keeps). Targets: each < 150 MB. The 1 GB CSV peak is measured in csv.mjs, where it runs.
// A second worker repeats the burst with the old space a 1 GiB container gets from Node (a
// quarter of the memory it may use, 256 MB): with no limit, Node sizes V8's heap from the host
// (4 GB here), and a burst's garbage then waits for a collection that nothing forces.
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
/** What Node gives V8's old space under the worker's memory limit in deploy/ (1 GiB / 4). */
const CONTAINER_HEAP_MB = 256;
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
    let submitted = 0;
    const burst = async () => {
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
      submitted += tasks;
      await waitFor(
        `${submitted} SUCCESS rows`,
        async () => (await completion(sql)).done >= submitted,
        {
          timeoutMs: 120_000 + tasks * 50,
        },
      );
    };
    await burst();
    const [apiAfter, workerAfter] = await Promise.all(
      [api.pid, worker.pid].map((pid) => idleRss(pid, settleMs)),
    );
    // The same process, idle twice as long: does V8 give the burst's garbage back by itself?
    await sleep(settleMs);
    const [apiLater, workerLater] = [api.pid, worker.pid].map(rssMb);

    await worker.stop();
    const sized = await startService(
      store,
      'worker',
      { LOG_LEVEL: 'info', NODE_OPTIONS: `--max-old-space-size=${CONTAINER_HEAP_MB}` },
      cleanup,
    );
    await waitForWorkers(api.url, 'csv_processing', 1);
    const sizedIdle = await idleRss(sized.pid, settleMs);
    await burst();
    const sizedAfter = await idleRss(sized.pid, settleMs);
    await sleep(settleMs);
    const sizedLater = rssMb(sized.pid);

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
      row('API', `after ${tasks} CSV tasks, idle ${(2 * settleMs) / 1000} s`, apiLater),
      row('worker', `after ${tasks} CSV tasks, idle ${(2 * settleMs) / 1000} s`, workerLater),
      row('worker', `after start-up, --max-old-space-size=${CONTAINER_HEAP_MB}`, sizedIdle),
      row(
        'worker',
        `after ${tasks} CSV tasks, --max-old-space-size=${CONTAINER_HEAP_MB}`,
        sizedAfter,
      ),
      row(
        'worker',
        `after ${tasks} CSV tasks, idle ${(2 * settleMs) / 1000} s, --max-old-space-size=${CONTAINER_HEAP_MB}`,
        sizedLater,
      ),
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await memory({ quick: process.argv.includes('--quick') }));
}
