// Accepting work in bulk: tasks per second accepted by one API process (no worker) through
// POST /api/tasks/bulk in batches of 1,000, beside the same tasks through single submits from
// 50 concurrent clients, in the same run, on the same process and database.
import { cpuMs } from './lib/cpu.mjs';
import { Cleanup, makeStore, startService } from './lib/service.mjs';
import { inLanes } from './queue-throughput.mjs';

const CLIENTS = 50;
const BATCH = 1000;
const TASK = { task_type: 'csv_processing', input_params: { num_rows: 10, processing_time: 0 } };
// The limits of §8 would stop a benchmark that submits this much from one address.
const UNLIMITED = { RATE_LIMIT_PER_MINUTE: '1000000', QUOTA_ACTIVE_TASKS: '100000000' };

async function post(url, path, body) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 200)
    throw new Error(
      `${path} answered ${response.status}: ${(await response.text()).slice(0, 500)}`,
    );
  return response.json();
}

/** Tasks/s and the API's CPU ms per task for `run`, which submits `count` tasks. */
async function timed(pid, count, run) {
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  return { rate: count / seconds, cpuPerTask: (cpuMs(pid) - cpuBefore) / count };
}

const singles = (url, count) => inLanes(count, CLIENTS, () => post(url, '/api/tasks/submit', TASK));
// One batch at a time, as one client sending a large import would.
const bulks = async (url, count) => {
  const tasks = Array.from({ length: BATCH }, () => TASK);
  for (let sent = 0; sent < count; sent += BATCH) {
    const answer = await post(url, '/api/tasks/bulk', { tasks });
    if (answer.tasks.length !== BATCH) throw new Error(`bulk created ${answer.tasks.length}`);
  }
};

export async function bulkSubmit({ quick }) {
  const count = quick ? 2000 : 5000;
  const rows = [];
  for (const kind of ['sqlite', 'postgres']) {
    const cleanup = new Cleanup();
    try {
      const store = await makeStore(kind, 'bulk', cleanup);
      const api = await startService(store, 'api', UNLIMITED, cleanup);
      // Untimed, so that both paths are past JIT warm-up when timed.
      await singles(api.url, 500);
      await bulks(api.url, BATCH);
      const single = await timed(api.pid, count, () => singles(api.url, count));
      const bulk = await timed(api.pid, count, () => bulks(api.url, count));
      const format = (r) =>
        `${Math.round(r.rate)} tasks/s; API CPU ${r.cpuPerTask.toFixed(3)} ms/task`;
      rows.push({
        benchmark: `Bulk submit ÷ single submits (${kind})`,
        size: `${count} tasks, no worker: bulk ${count / BATCH} × ${BATCH} from 1 client; single from ${CLIENTS} clients`,
        system: `bulk: ${format(bulk)}`,
        bare: `single: ${format(single)}`,
        ratio: bulk.rate / single.rate,
        target: '—',
        holds: null,
      });
    } finally {
      await cleanup.run();
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await bulkSubmit({ quick: process.argv.includes('--quick') }));
}
