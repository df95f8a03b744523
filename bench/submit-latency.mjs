// Submit and get latency: HTTP load (lib/load.mjs) on POST /api/tasks/submit and
// GET /api/tasks/{id} of one API process (default settings, keys mode, an operator key on every
// request, the rate limit counted on each), and against a bare node:http server doing the same SQL and Redis work,
// in the same run. The target row offers a fixed 300 submits/s (open loop, evenly paced: the pace
// does not follow the answers); a saturating row beside it shows what 50 connections get as fast as the
// server answers. Rounds alternate between the two servers so that a noisy neighbour weighs on
// both alike; the API's CPU time per request comes from /proc.
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { load, formatLoad } from './lib/load.mjs';
import { Cleanup, makeStore, startBareApi } from './lib/service.mjs';

const CONNECTIONS = 50;
/** The offered load of the latency target (issue 17, target 2). */
const OFFERED_RATE = 300;
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
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest: results.reduce((sum, r) => sum + r.cpuMs, 0) / Math.max(requests, 1),
  };
}

const describe = (r) => `${formatLoad(r)}; CPU ${r.cpuPerRequest.toFixed(2)} ms/request`;

export async function submitLatency({ quick }) {
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 2;
  const cleanup = new Cleanup();
  try {
    // API only, no worker: the latency of accepting work, not of doing it; jobs wait in Redis.
    const store = await makeStore('sqlite', 'submit', cleanup);
    const api = await startKeyedService(store, 'api', {}, cleanup);
    const bareStore = await makeStore('sqlite', 'bare_submit', cleanup);
    const bare = await startBareApi(bareStore, cleanup);
    const servers = { system: api, bare };

    const run = async (server, path, options) => {
      const before = cpuMs(server.pid);
      const result = await load(`${server.url}${path}`, {
        connections: CONNECTIONS,
        seconds,
        headers: api.headers,
        ...options,
      });
      return { ...result, cpuMs: cpuMs(server.pid) - before };
    };
    const post = { method: 'POST', body: SUBMIT_BODY };
    const open = { ...post, overallRate: OFFERED_RATE };

    // Unmeasured load first, so that both servers are past JIT warm-up when timed.
    if (!quick)
      for (const server of Object.values(servers)) await run(server, '/api/tasks/submit', post);
    const ids = {};
    for (const [name, server] of Object.entries(servers)) {
      const created = await fetch(`${server.url}/api/tasks/submit`, {
        method: 'POST',
        headers: { ...api.headers, 'content-type': 'application/json' },
        body: JSON.stringify(SUBMIT_BODY),
      }).then((response) => response.json());
      ids[name] = created.id;
    }
    const measured = { open: {}, saturating: {}, get: {} };
    for (const kind of Object.keys(measured))
      for (const name of Object.keys(servers)) measured[kind][name] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of Object.entries(servers)) {
        measured.open[name].push(await run(server, '/api/tasks/submit', open));
        measured.saturating[name].push(await run(server, '/api/tasks/submit', post));
        measured.get[name].push(await run(server, `/api/tasks/${ids[name]}`, {}));
      }
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
        'Submit saturating',
        `${CONNECTIONS} connections, POST /api/tasks/submit`,
        'saturating',
        '—',
      ),
      row('GET task', `${CONNECTIONS} connections, GET /api/tasks/{id}`, 'get', '—'),
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await submitLatency({ quick: process.argv.includes('--quick') }));
}
