// One service (API + one worker process, on SQLite) with an SMTP sink, shared by the CSV,
// image and e-mail benchmarks when run together: each boot costs seconds on a busy machine.
import { join } from 'node:path';
import {
  freePort,
  makeStore,
  PROJECT_ROOT,
  spawnNode,
  startService,
  waitFor,
  waitForWorkers,
} from './service.mjs';

export async function startTaskService(cleanup) {
  const smtpPort = await freePort();
  const sink = spawnNode(
    join(PROJECT_ROOT, 'bench', 'bare', 'smtp-sink.mjs'),
    { env: { PORT: String(smtpPort) } },
    cleanup,
  );
  await waitFor('the SMTP sink', () => {
    if (!sink.running()) throw new Error(`the SMTP sink exited:\n${sink.output()}`);
    return sink.output().includes('ready');
  });
  const smtpUrl = `smtp://127.0.0.1:${smtpPort}`;
  const store = await makeStore('sqlite', 'tasks', cleanup);
  // The API first: it applies the migrations before the worker touches the database.
  const api = await startService(store, 'api', {}, cleanup);
  // BENCH_WORKER_NODE_ARGS profiles the worker, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'
  // (the profile is written when the benchmark stops the worker with SIGTERM).
  const workerEnv = { SMTP_URL: smtpUrl };
  if (process.env.BENCH_WORKER_NODE_ARGS) workerEnv.NODE_ARGS = process.env.BENCH_WORKER_NODE_ARGS;
  const worker = await startService(store, 'worker', workerEnv, cleanup);
  for (const queue of ['csv_processing', 'image_processing', 'email_sending']) {
    await waitForWorkers(api.url, queue, 1);
  }
  return { api, worker, sink, smtpUrl };
}
