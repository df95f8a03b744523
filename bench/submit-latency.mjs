// Submit and get latency: HTTP load (lib/load.mjs) on POST /api/tasks/submit and
// GET /api/tasks/{id} of one API process (default settings, keys mode, an operator key on every
// request, the rate limit counted on each), and against a bare node:http server doing the same SQL and Redis work,
// in the same run. The target row offers a fixed 300 submits/s (open loop, evenly paced: the pace
// does not follow the answers); a saturating row beside it shows what 50 connections get as fast as the
// server answers. Rounds alternate between the two servers so that a noisy neighbour weighs on
// both alike; the API's CPU time per request comes from /proc. The target row is measured again
// with a worker beside each server running the tasks it accepts, as issue 17's check ran it.
import { join } from 'node:path';
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { load, formatLoad, SETTLING_MS } from './lib/load.mjs';
import {
  Cleanup,
  makeStore,
  PROJECT_ROOT,
  spawnNode,
  startBareApi,
  startService,
  waitFor,
  waitForWorkers,
} from './lib/service.mjs';

const CONNECTIONS = 50;
/** The offered load of the latency target (issue 17, target 2). */
const OFFERED_RATE = 300;
/** The service's default CSV_CONCURRENCY, which the bare worker gets too. */
const WORKER_CONCURRENCY = 4;
const SUBMIT_BODY = {
  task_type: 'csv_processing',
  input_params: { num_rows: 10, processing_time: 0 },
};

/** The worst latencies and all errors over the rounds; mean rate; CPU per request. */
function combine(results) {
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    // Only the open loop reports it (see SETTLING_MS).
    p99Settled: results.every((r) => r.p99Settled !== undefined)
      ? Math.max(...results.map((r) => r.p99Settled))
      : undefined,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest: results.reduce((sum, r) => sum + r.cpuMs, 0) / Math.max(requests, 1),
    workerCpuPerRequest: results.some((r) => r.workerCpuMs !== undefined)
      ? results.reduce((sum, r) => sum + r.workerCpuMs, 0) / Math.max(requests, 1)
      : undefined,
  };
}

const describe = (r) =>
  formatLoad(r) +
  (r.p99Settled === undefined
    ? ''
    : ` (p99 ${r.p99Settled} ms past each round's first ${SETTLING_MS / 1000} s)`) +
  `; CPU ${r.cpuPerRequest.toFixed(2)} ms/request` +
  (r.workerCpuPerRequest === undefined ? '' : `, worker ${r.workerCpuPerRequest.toFixed(2)}`);

/**
 * The service and the bare server each with a worker running the tasks they accept: the
 * service's worker process, and bare/bullmq-worker.mjs making the same two UPDATEs per job. Fresh
 * databases, so that neither worker meets a backlog left by the API-only rows.
 */
async function withWorkers(cleanup) {
  const store = await makeStore('sqlite', 'submit_worker', cleanup);
  const api = await startKeyedService(store, 'api', {}, cleanup);
  const worker = await startService(store, 'worker', { LOG_LEVEL: undefined }, cleanup);
  await waitForWorkers(api.url, SUBMIT_BODY.task_type, 1);
  const bareStore = await makeStore('sqlite', 'bare_submit_worker', cleanup);
  const bare = await startBareApi(bareStore, cleanup);
  const bareWorker = spawnNode(
    join(PROJECT_ROOT, 'bench', 'bare', 'bullmq-worker.mjs'),
    {
      env: {
        BENCH_STORE: JSON.stringify(bareStore),
        BENCH_QUEUE: SUBMIT_BODY.task_type,
        BENCH_CONCURRENCY: String(WORKER_CONCURRENCY),
      },
    },
    cleanup,
  );
  await waitFor('the bare worker', () => {
    if (!bareWorker.running()) throw new Error(`the bare worker exited:\n${bareWorker.output()}`);
    return bareWorker.output().includes('ready');
  });
  return { system: { ...api, worker }, bare: { ...bare, worker: bareWorker } };
}

export async function submitLatency({ quick }) {
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 2;
  const run = async (server, path, options) => {
    const before = { api: cpuMs(server.pid), worker: server.worker && cpuMs(server.worker.pid) };
    const result = await load(`${server.url}${path}`, {
      connections: CONNECTIONS,
      seconds,
      headers: server.headers,
      ...options,
    });
    return {
      ...result,
      cpuMs: cpuMs(server.pid) - before.api,
      workerCpuMs: server.worker && cpuMs(server.worker.pid) - before.worker,
    };
  };
  const post = { method: 'POST', body: SUBMIT_BODY };
  const open = { ...post, overallRate: OFFERED_RATE };
  const measured = { open: {}, saturating: {}, get: {}, withWorker: {} };
  for (const kind of Object.keys(measured)) measured[kind] = { system: [], bare: [] };

  const apiOnly = new Cleanup();
  try {
    // API only, no worker: the latency of accepting work, not of doing it; jobs wait in Redis.
    const store = await makeStore('sqlite', 'submit', apiOnly);
    const api = await startKeyedService(store, 'api', {}, apiOnly);
    const bareStore = await makeStore('sqlite', 'bare_submit', apiOnly);
    const bare = await startBareApi(bareStore, apiOnly);
    const servers = { system: api, bare };

    // Unmeasured load first, so that both servers are past JIT warm-up when timed.
    if (!quick)
      for (const server of Object.values(servers)) await run(server, '/api/tasks/submit', post);
    const ids = {};
    for (const [name, server] of Object.entries(servers)) {
      const created = await fetch(`${server.url}/api/tasks/submit`, {
        method: 'POST',
        headers: { ...server.headers, 'content-type': 'application/json' },
        body: JSON.stringify(SUBMIT_BODY),
      }).then((response) => response.json());
      ids[name] = created.id;
    }
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of Object.entries(servers)) {
        measured.open[name].push(await run(server, '/api/tasks/submit', open));
        measured.saturating[name].push(await run(server, '/api/tasks/submit', post));
        measured.get[name].push(await run(server, `/api/tasks/${ids[name]}`, {}));
      }
    }
  } finally {
    await apiOnly.run();
  }

  // The target row again with everything on: a worker runs each accepted task meanwhile.
  const everythingOn = new Cleanup();
  try {
    const servers = await withWorkers(everythingOn);
    if (!quick)
      for (const server of Object.values(servers)) await run(server, '/api/tasks/submit', open);
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of Object.entries(servers))
        measured.withWorker[name].push(await run(server, '/api/tasks/submit', open));
    }
  } finally {
    await everythingOn.run();
  }

  const row = (benchmark, size, kind, target, holds) => {
    const s = combine(measured[kind].system);
    const b = combine(measured[kind].bare);
    return {
      benchmark: `${benchmark} (sqlite)`,
      size: `${size}, ${rounds} × ${seconds} s, keys + rate limit, info logs`,
      system: describe(s),
      bare: describe(b),
      ratio: s.rps / b.rps,
      target,
      holds: holds?.(s) ?? null,
    };
  };
  return [
    row(
      `Submit latency at ${OFFERED_RATE} req/s offered`,
      `open loop, ${CONNECTIONS} connections, POST /api/tasks/submit`,
      'open',
      'p99 ≤ 20 ms, 0 errors',
      (s) => s.p99 <= 20 && s.errors === 0,
    ),
    row(
      `Submit latency at ${OFFERED_RATE} req/s offered, worker running`,
      `open loop, ${CONNECTIONS} connections, POST /api/tasks/submit; a worker runs each task meanwhile`,
      'withWorker',
      'p99 ≤ 20 ms, 0 errors',
      (s) => s.p99 <= 20 && s.errors === 0,
    ),
    row(
      'Submit saturating',
      `${CONNECTIONS} connections, POST /api/tasks/submit`,
      'saturating',
      '—',
    ),
    row('GET task', `${CONNECTIONS} connections, GET /api/tasks/{id}`, 'get', '—'),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await submitLatency({ quick: process.argv.includes('--quick') }));
}
