// Accepting work in bulk: tasks per second accepted by one API process (no worker) through
// POST /api/tasks/bulk in batches of 1,000, beside the same tasks through single submits from
// 50 autocannon connections, in the same run, on the same process and database. Default
// settings, keys mode with an operator key on every request and the rate limit counted on each.
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { sendAll } from './lib/load.mjs';
import { Cleanup, makeStore } from './lib/service.mjs';

const CLIENTS = 50;
const BATCH = 1000;
const TASK = { task_type: 'csv_processing', input_params: { num_rows: 10, processing_time: 0 } };
/** Issue 17, target 4: tasks accepted per second through POST /api/tasks/bulk. */
const TARGET_RATE = 5000;

async function post({ url, headers }, path, body) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
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

// Through autocannon, whose client takes less of the CPU the API shares with it than fetch's.
const singles = (api, count) =>
  sendAll(`${api.url}/api/tasks/submit`, {
    connections: CLIENTS,
    amount: count,
    headers: api.headers,
    body: TASK,
  });
// One batch at a time, as one client sending a large import would.
const bulks = async (api, count) => {
  const tasks = Array.from({ length: BATCH }, () => TASK);
  for (let sent = 0; sent < count; sent += BATCH) {
    const answer = await post(api, '/api/tasks/bulk', { tasks });
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
      const api = await startKeyedService(store, 'api', {}, cleanup);
      // Untimed, so that both paths are past JIT warm-up when timed.
      await singles(api, 500);
      await bulks(api, BATCH);
      const single = await timed(api.pid, count, () => singles(api, count));
      const bulk = await timed(api.pid, count, () => bulks(api, count));
      const format = (r) =>
        `${Math.round(r.rate)} tasks/s; API CPU ${r.cpuPerTask.toFixed(3)} ms/task`;
      rows.push({
        benchmark: `Bulk submit ÷ single submits (${kind})`,
        size: `${count} tasks, no worker: bulk ${count / BATCH} × ${BATCH} from 1 client; single from ${CLIENTS} clients; keys + rate limit, info logs`,
        system: `bulk: ${format(bulk)}`,
        bare: `single: ${format(single)}`,
        ratio: bulk.rate / single.rate,
        target: `bulk ≥ ${TARGET_RATE} tasks/s`,
        holds: bulk.rate >= TARGET_RATE,
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
