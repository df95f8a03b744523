// Submit throughput with API keys beside open mode: the same API-only process, once with
// AUTH_MODE=open and once with AUTH_MODE=keys and an operator key on every request. The guard
// answers from a per-process cache (4 s per key), so keys mode should cost no SQL read per
// request; the target is ≥ 90 % of open mode's rate. Rounds alternate between the two modes so
// that a noisy neighbour on the machine weighs on both alike; the API process's CPU time per
// request is given too, as it moves much less than the rate with what else runs.
import { cpuMs } from './lib/cpu.mjs';
import { load, formatLoad } from './lib/load.mjs';
import { KEYED_ENV, startKeyedService } from './lib/keyed-api.mjs';
import { Cleanup, makeStore, startService } from './lib/service.mjs';

const CONNECTIONS = 50;
const SUBMIT_BODY = {
  task_type: 'csv_processing',
  input_params: { num_rows: 10, processing_time: 0 },
};

/** The mean of rates and the worst of latencies and errors over the rounds. */
function combine(results) {
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuPerRequest:
      results.reduce((sum, r) => sum + r.cpuMs, 0) /
      results.reduce((sum, r) => sum + r.requests, 0),
  };
}

const describe = (r) => `${formatLoad(r)}, API CPU ${r.cpuPerRequest.toFixed(2)} ms/request`;

export async function submitAuth({ quick }) {
  const seconds = quick ? 2 : 10;
  const rounds = quick ? 1 : 3;
  const cleanup = new Cleanup();
  try {
    // Both modes count the same limits, and neither reaches them: with no worker, the
    // unfinished-task quota would otherwise answer 429 within seconds and be measured instead.
    const openEnv = { ...KEYED_ENV, AUTH_MODE: 'open' };
    const openStore = await makeStore('sqlite', 'submit_open', cleanup);
    const open = await startService(openStore, 'api', openEnv, cleanup);
    const keysStore = await makeStore('sqlite', 'submit_keys', cleanup);
    const keys = await startKeyedService(keysStore, 'api', {}, cleanup);
    const { headers } = keys;
    const submit = async ({ url, pid }, extra) => {
      const before = cpuMs(pid);
      const result = await load(`${url}/api/tasks/submit`, {
        connections: CONNECTIONS,
        seconds,
        method: 'POST',
        body: SUBMIT_BODY,
        headers: extra,
      });
      return { ...result, cpuMs: cpuMs(pid) - before, requests: result.rps * seconds };
    };
    // Warm-up, unmeasured, so that both processes are past JIT compilation when timed.
    if (!quick) await Promise.all([submit(open, {}), submit(keys, headers)]);
    const openRuns = [];
    const keysRuns = [];
    for (let round = 0; round < rounds; round++) {
      openRuns.push(await submit(open, {}));
      keysRuns.push(await submit(keys, headers));
    }
    const withKeys = combine(keysRuns);
    const without = combine(openRuns);
    const ratio = withKeys.rps / without.rps;
    return [
      {
        benchmark: 'Submit with API keys (sqlite)',
        size: `${CONNECTIONS} connections, ${rounds} × ${seconds} s per mode, POST /api/tasks/submit`,
        system: `keys: ${describe(withKeys)}`,
        bare: `open: ${describe(without)}`,
        ratio,
        target: 'keys ≥ 90 % of open, 0 errors',
        holds: ratio >= 0.9 && withKeys.errors === 0 && without.errors === 0,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await submitAuth({ quick: process.argv.includes('--quick') }));
}
