// Profiles the API process under the queue benchmark's load: keys mode, default settings, one
// worker, N submits from 50 clients; the API runs with --cpu-prof and the profile's self time
// is summed by area of the code (see bench/lib/profile-areas.mjs).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { summariseProfile } from './lib/profile-areas.mjs';
import { Cleanup, makeStore, startService, waitForWorkers } from './lib/service.mjs';
import { inLanes } from './queue-throughput.mjs';

const kind = process.argv.includes('--postgres') ? 'postgres' : 'sqlite';
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5000);
const profileDir = mkdtempSync(join(tmpdir(), 'conveyor-prof-'));
const cleanup = new Cleanup();
// The measured stretch on the monotonic clock the profile's timestamps use too.
const window = { fromUs: -Infinity, toUs: Infinity, top: Number(process.env.PROFILE_TOP ?? 25) };
try {
  const store = await makeStore(kind, 'profile', cleanup);
  const api = await startKeyedService(
    store,
    'api',
    { NODE_ARGS: `--cpu-prof --cpu-prof-dir=${profileDir}` },
    cleanup,
  );
  if (!process.argv.includes('--no-worker')) {
    await startService(store, 'worker', { LOG_LEVEL: undefined }, cleanup);
    await waitForWorkers(api.url, 'csv_processing', 1);
  }
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
  await inLanes(500, 50, submit);
  const before = cpuMs(api.pid);
  window.fromUs = Number(process.hrtime.bigint() / 1000n);
  const started = performance.now();
  await inLanes(count, 50, submit);
  const seconds = (performance.now() - started) / 1000;
  window.toUs = Number(process.hrtime.bigint() / 1000n);
  const ms = cpuMs(api.pid) - before;
  console.log(
    `${kind}: ${count} submits, ${(count / seconds).toFixed(0)}/s, API CPU ${(ms / count).toFixed(3)} ms/request`,
  );
  await api.stop();
} finally {
  await cleanup.run();
}
const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
console.log(summariseProfile(JSON.parse(readFileSync(join(profileDir, file), 'utf8')), window));
console.log(`profile: ${join(profileDir, file)}`);
