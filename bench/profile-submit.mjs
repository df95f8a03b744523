// Profiles the API process (or with --worker, the worker) under the queue benchmark's load: keys
// mode, default settings, one worker, N submits from 50 clients; the profiled process runs with
// --cpu-prof and the profile's self time is summed by area of the code (bench/lib/profile-areas.mjs).
// With --rate=N the measured submits are offered evenly paced at N/s (the submit-latency row's
// open loop) instead of as fast as 50 clients get answers, and their latencies are printed.
// Usage: node bench/profile-submit.mjs [count] [--postgres] [--worker | --no-worker] [--rate=N]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { formatLoad, load } from './lib/load.mjs';
import { summariseBusyStretches, summariseProfile } from './lib/profile-areas.mjs';
import { Cleanup, makeStore, startService, waitFor, waitForWorkers } from './lib/service.mjs';
import { completion, openSql } from './lib/sql.mjs';
import { inLanes } from './queue-throughput.mjs';

const kind = process.argv.includes('--postgres') ? 'postgres' : 'sqlite';
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5000);
const profiledRole = process.argv.includes('--worker') ? 'worker' : 'api';
const rateArg = process.argv.find((a) => a.startsWith('--rate='));
const rate = rateArg ? Number(rateArg.slice('--rate='.length)) : undefined;
if (rate !== undefined && !(rate > 0))
  throw new Error('--rate must be a positive number of submits/s');
const WARM_UP = 500;
const profileDir = mkdtempSync(join(tmpdir(), 'conveyor-prof-'));
const cleanup = new Cleanup();
// The measured stretch on the monotonic clock the profile's timestamps use too.
const window = { fromUs: -Infinity, toUs: Infinity, top: Number(process.env.PROFILE_TOP ?? 25) };
try {
  const store = await makeStore(kind, 'profile', cleanup);
  const profiling = { NODE_ARGS: `--cpu-prof --cpu-prof-dir=${profileDir}` };
  const api = await startKeyedService(
    store,
    'api',
    profiledRole === 'api' ? profiling : {},
    cleanup,
  );
  let worker;
  if (profiledRole === 'worker' || !process.argv.includes('--no-worker')) {
    worker = await startService(
      store,
      'worker',
      { LOG_LEVEL: undefined, ...(profiledRole === 'worker' ? profiling : {}) },
      cleanup,
    );
    await waitForWorkers(api.url, 'csv_processing', 1);
  }
  const profiled = profiledRole === 'api' ? api : worker;
  const body = JSON.stringify({
    task_type: 'csv_processing',
    input_params: { num_rows: 10, processing_time: 0 },
  });
  const submit = () =>
    fetch(`${api.url}/api/tasks/submit`, {
      method: 'POST',
      headers: { ...api.headers, 'content-type': 'application/json' },
      body,
    }).then(async (response) => {
      if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
      await response.arrayBuffer();
    });
  await inLanes(WARM_UP, 50, submit);
  const sql = await openSql(store);
  cleanup.add(() => sql.close());
  const allDone = async (total) =>
    waitFor(`${total} tasks finished`, async () => (await completion(sql)).done >= total, {
      timeoutMs: 120_000 + total * 50,
    });
  if (profiledRole === 'worker') await allDone(WARM_UP);
  const before = cpuMs(profiled.pid);
  window.fromUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  if (rate === undefined) await inLanes(count, 50, submit);
  else {
    const paced = await load(`${api.url}/api/tasks/submit`, {
      connections: 50,
      seconds: count / rate,
      method: 'POST',
      headers: api.headers,
      body: JSON.parse(body),
      overallRate: rate,
    });
    console.log(`offered ${rate}/s: ${formatLoad(paced)}`);
  }
  // The worker's share ends when it has run every task, not when the last submit is answered.
  if (profiledRole === 'worker') await allDone(WARM_UP + count);
  const seconds = (performance.now() - started) / 1000;
  window.toUs = Number(process.hrtime.bigint() / 1000n);
  const ms = cpuMs(profiled.pid) - before;
  console.log(
    `${kind}: ${count} tasks, ${(count / seconds).toFixed(0)}/s, ${profiledRole} CPU ${(ms / count).toFixed(3)} ms/task`,
  );
  await profiled.stop();
} finally {
  await cleanup.run();
}
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8'));
console.log(summariseProfile(profile, window));
console.log(`\nWhere the main thread stayed busy (what an arrival waits behind):`);
console.log(summariseBusyStretches(profile, window));
console.log(`profile: ${join(profileDir, file)}`);
