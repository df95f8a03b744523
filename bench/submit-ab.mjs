// Before/after for the submit path: two builds of the service (BENCH_BEFORE names the earlier
// build's main.js, the other is dist/), each one API process in keys mode with default settings,
// each on its own database, take rounds of the same submits from 50 clients in turn, so that the
// machine's noise weighs on both alike. Answers submits/s and the API's CPU ms per submit.
// Usage: BENCH_BEFORE=/path/to/old/dist/main.js node bench/submit-ab.mjs [sqlite|postgres] [n] [rounds]
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { Cleanup, makeStore, startService, waitForWorkers } from './lib/service.mjs';
import { inLanes } from './queue-throughput.mjs';

const [kind = 'sqlite', n = '2000', rounds = '3'] = process.argv.slice(2);
const withWorker = process.env.BENCH_WORKER === '1';
const body = JSON.stringify({
  task_type: 'csv_processing',
  input_params: { num_rows: 10, processing_time: 0 },
});

const cleanup = new Cleanup();
try {
  const builds = { before: { BENCH_MAIN: process.env.BENCH_BEFORE }, after: {} };
  const apis = {};
  for (const [name, env] of Object.entries(builds)) {
    const store = await makeStore(kind, `ab_${name}`, cleanup);
    apis[name] = await startKeyedService(store, 'api', env, cleanup);
    if (withWorker) {
      await startService(store, 'worker', { ...env, LOG_LEVEL: undefined }, cleanup);
      await waitForWorkers(apis[name].url, 'csv_processing', 1);
    }
  }
  const submit = (api) => async () => {
    const response = await fetch(`${api.url}/api/tasks/submit`, {
      method: 'POST',
      headers: { ...api.headers, 'content-type': 'application/json' },
      body,
    });
    if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  for (const api of Object.values(apis)) await inLanes(500, 50, submit(api));
  const totals = { before: { ms: 0, cpu: 0 }, after: { ms: 0, cpu: 0 } };
  for (let round = 0; round < Number(rounds); round++) {
    for (const [name, api] of round % 2 ? Object.entries(apis).reverse() : Object.entries(apis)) {
      const cpu = cpuMs(api.pid);
      const started = performance.now();
      await inLanes(Number(n), 50, submit(api));
      totals[name].ms += performance.now() - started;
      totals[name].cpu += cpuMs(api.pid) - cpu;
    }
  }
  const count = Number(n) * Number(rounds);
  for (const [name, t] of Object.entries(totals)) {
    console.log(
      `${kind} ${name}: ${((count / t.ms) * 1000).toFixed(0)} submits/s, API CPU ${(t.cpu / count).toFixed(3)} ms/submit`,
    );
  }
} finally {
  await cleanup.run();
}
