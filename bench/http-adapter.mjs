// HTTP adapter: the same minimal Nest application (the service's validation pipeline, no SQL
// or Redis) on Express, which Conveyor uses, and on Fastify, under the same autocannon load.
// It answers how much of a request's cost the adapter is, and so what a switch would buy.
import { join } from 'node:path';
import { load, formatLoad } from './lib/load.mjs';
import { cpuMs } from './lib/cpu.mjs';
import { Cleanup, freePort, PROJECT_ROOT, spawnNode, waitFor } from './lib/service.mjs';

const CONNECTIONS = 50;
const BODY = { task_type: 'csv_processing', input_params: { num_rows: 10, processing_time: 0 } };

async function measure(adapter, seconds, quick, cleanup) {
  const port = await freePort();
  const app = spawnNode(
    join(PROJECT_ROOT, 'bench', 'bare', 'nest-adapter-app.mjs'),
    { env: { ADAPTER: adapter, PORT: String(port) } },
    cleanup,
  );
  await waitFor(`the ${adapter} app`, () => {
    if (!app.running()) throw new Error(`the ${adapter} app exited:\n${app.output()}`);
    return app.output().includes('ready');
  });
  const url = `http://127.0.0.1:${port}/api/tasks/submit`;
  const options = { connections: CONNECTIONS, method: 'POST', body: BODY };
  if (!quick) await load(url, { ...options, seconds: 2 });
  const before = cpuMs(app.pid);
  const result = await load(url, { ...options, seconds });
  const cpuPerRequest = (cpuMs(app.pid) - before) / (result.rps * seconds);
  await app.stop();
  return { ...result, cpuPerRequest };
}

export async function httpAdapter({ quick }) {
  const seconds = quick ? 3 : 15;
  const cleanup = new Cleanup();
  try {
    const express = await measure('express', seconds, quick, cleanup);
    const fastify = await measure('fastify', seconds, quick, cleanup);
    const describe = (r) => `${formatLoad(r)}, ${r.cpuPerRequest.toFixed(3)} CPU ms/request`;
    return [
      {
        benchmark: 'HTTP adapter: Nest on Express ÷ Nest on Fastify',
        size: `${CONNECTIONS} connections, ${seconds} s, POST with ValidationPipe, no SQL or Redis`,
        system: `Express: ${describe(express)}`,
        bare: `Fastify: ${describe(fastify)}`,
        ratio: express.rps / fastify.rps,
        target: '—',
        holds: null,
      },
    ];
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await httpAdapter({ quick: process.argv.includes('--quick') }));
}
