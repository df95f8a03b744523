// Submit and get latency under load: autocannon against POST /api/tasks/submit and
// GET /api/tasks/{id} of one API process, and against a bare node:http server doing the same
// SQL and Redis work, in the same run.
import { load, formatLoad } from './lib/load.mjs';
import { Cleanup, makeStore, startBareApi, startService } from './lib/service.mjs';

const CONNECTIONS = 50;
const SUBMIT_BODY = {
  task_type: 'csv_processing',
  input_params: { num_rows: 10, processing_time: 0 },
};

/** Submit, then get one of the submitted tasks, against the server at `url`. */
async function measure(url, seconds, quick) {
  // Unmeasured load first, so that both servers are past JIT warm-up when timed; a quick run
  // has no time for it.
  if (!quick) {
    await load(`${url}/api/tasks/submit`, {
      connections: CONNECTIONS,
      seconds: 2,
      method: 'POST',
      body: SUBMIT_BODY,
    });
  }
  const submit = await load(`${url}/api/tasks/submit`, {
    connections: CONNECTIONS,
    seconds,
    method: 'POST',
    body: SUBMIT_BODY,
  });
  const created = await fetch(`${url}/api/tasks/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(SUBMIT_BODY),
  }).then((response) => response.json());
  const get = await load(`${url}/api/tasks/${created.id}`, { connections: CONNECTIONS, seconds });
  return { submit, get };
}

export async function submitLatency({ quick }) {
  const seconds = quick ? 3 : 20;
  const cleanup = new Cleanup();
  try {
    // API only, no worker: the latency of accepting work, not of doing it; jobs wait in Redis.
    const store = await makeStore('sqlite', 'submit', cleanup);
    const api = await startService(store, 'api', {}, cleanup);
    const system = await measure(api.url, seconds, quick);
    const bareStore = await makeStore('sqlite', 'bare_submit', cleanup);
    const bareApi = await startBareApi(bareStore, cleanup);
    const bare = await measure(bareApi.url, seconds, quick);
    const row = (name, path, s, b) => ({
      benchmark: `Submit latency: ${name} (sqlite)`,
      size: `${CONNECTIONS} connections, ${seconds} s, ${path}`,
      system: formatLoad(s),
      bare: formatLoad(b),
      ratio: s.rps / b.rps,
      target: name === 'POST submit' ? 'p99 ≤ 50 ms, 0 errors' : '—',
      holds: name === 'POST submit' ? s.p99 <= 50 && s.errors === 0 : null,
    });
    return [
      row('POST submit', 'POST /api/tasks/submit', system.submit, bare.submit),
      row('GET task', 'GET /api/tasks/{id}', system.get, bare.get),
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await submitLatency({ quick: process.argv.includes('--quick') }));
}
