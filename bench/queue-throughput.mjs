// Queue throughput: N small csv_processing tasks submitted over HTTP by 50 autocannon connections,
// timed from the first submit to the last SUCCESS row in SQL; beside it, bare BullMQ with the
// same SQL writes per job (insert, RUNNING, SUCCESS) and one separate worker process. The
// service runs with its default settings in keys mode, an operator key on every submit and the
// rate limit counted on each (bench/lib/keyed-api.mjs).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { cpuMs, serverCpuMeter } from './lib/cpu.mjs';
import { startKeyedService } from './lib/keyed-api.mjs';
import { sendAll } from './lib/load.mjs';
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
import { completion, openSql, sqlTimestamp } from './lib/sql.mjs';

const CLIENTS = 50;
/** The service's default CSV_CONCURRENCY; the bare worker gets the same. */
const WORKER_CONCURRENCY = 4;
const QUEUE = 'csv_processing';
const PARAMS = { num_rows: 10, processing_time: 0 };

/** Runs `count` calls of `task(i)` with at most `lanes` in flight. */
export async function inLanes(count, lanes, task) {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
}

/**
 * The CPU per task of the servers a run talks to, from now until the returned function is called
 * with the task count: Redis, and PostgreSQL on that kind (its backends and background
 * processes). They share the machine's cores with the rest, so they are part of a task's cost;
 * a server that does not run on this machine is left out.
 */
function serversCpu(kind) {
  const meters = [['redis', serverCpuMeter('redis-server')]];
  if (kind === 'postgres') meters.push(['postgres', serverCpuMeter('postgres')]);
  return (count) => {
    const perTask = {};
    for (const [name, read] of meters) {
      const ms = read();
      if (ms !== undefined) perTask[name] = ms / count;
    }
    return perTask;
  };
}

/** Waits until all `count` rows are SUCCESS; the time bound grows with the count. */
async function waitForAllSuccess(sql, count) {
  return waitFor(
    `${count} SUCCESS rows`,
    async () => {
      const state = await completion(sql);
      if (state.failed > 0) throw new Error(`${state.failed} task(s) FAILED`);
      return state.done >= count ? state : null;
    },
    { timeoutMs: 120_000 + count * 30, intervalMs: 100 },
  );
}

async function submitAll(url, headers, count) {
  const started = Date.now();
  await sendAll(`${url}/api/tasks/submit`, {
    connections: CLIENTS,
    amount: count,
    headers,
    body: { task_type: QUEUE, input_params: PARAMS },
  });
  return started;
}

/**
 * The service: one API process and `workers` worker processes, or one APP_ROLE=all process.
 * Returns tasks per second.
 */
export async function systemThroughput({ kind, count, workers = 1, allInOne = false, env = {} }) {
  const cleanup = new Cleanup();
  try {
    const store = await makeStore(kind, 'queue', cleanup);
    // The API first: it applies the migrations before any worker touches the database.
    const api = await startKeyedService(store, allInOne ? 'all' : 'api', env, cleanup);
    const workerProcesses = [];
    if (!allInOne) {
      for (let i = 0; i < workers; i++)
        workerProcesses.push(
          await startService(store, 'worker', { LOG_LEVEL: undefined }, cleanup),
        );
    }
    await waitForWorkers(api.url, QUEUE, allInOne ? 1 : workers);
    const sql = await openSql(store);
    cleanup.add(() => sql.close());
    const cpu = () => ({
      api: cpuMs(api.pid),
      workers: workerProcesses.reduce((sum, worker) => sum + cpuMs(worker.pid), 0),
      clients: cpuMs(),
    });
    const before = cpu();
    const servers = serversCpu(kind);
    const started = await submitAll(api.url, api.headers, count);
    const { lastMs } = await waitForAllSuccess(sql, count);
    const after = cpu();
    const serversPerTask = servers(count);
    return {
      rate: count / ((lastMs - started) / 1000),
      cpu: {
        [allInOne ? 'process' : 'API']: (after.api - before.api) / count,
        ...(allInOne ? {} : { worker: (after.workers - before.workers) / count }),
        // The load generator, this process: it shares the cores with the service.
        clients: (after.clients - before.clients) / count,
        ...serversPerTask,
      },
    };
  } finally {
    await cleanup.run();
  }
}

/** The bare worker (bare/bullmq-worker.mjs) in its own process, once it is ready. */
async function startBareWorker(store, cleanup) {
  const worker = spawnNode(
    join(PROJECT_ROOT, 'bench', 'bare', 'bullmq-worker.mjs'),
    {
      env: {
        BENCH_STORE: JSON.stringify(store),
        BENCH_QUEUE: QUEUE,
        BENCH_CONCURRENCY: String(WORKER_CONCURRENCY),
      },
    },
    cleanup,
  );
  await waitFor('the bare worker', () => {
    if (!worker.running()) throw new Error(`bare worker exited:\n${worker.output()}`);
    return worker.output().includes('ready');
  });
  return worker;
}

/** Gives the store the service's own tables: an API process applies the migrations, then stops. */
async function migrate(store, cleanup) {
  const api = await startService(store, 'api', {}, cleanup);
  await api.stop();
}

/**
 * Bare BullMQ: the producer here (insert + add), the worker in its own process. By default on
 * the three-index table the issue's check used (`lib/sql.mjs`). With `schema: 'service'` the same
 * writes go to the service's migrated tables (its listing indexes, text index and counts
 * triggers); with `http` too, the producer is the bare `node:http` server (bare/bare-api.mjs),
 * sent the submits by the same 50 clients as the service.
 */
export async function bareThroughput({ kind, count, schema = 'bare', http = false }) {
  const cleanup = new Cleanup();
  try {
    const store = await makeStore(kind, 'bare_queue', cleanup);
    if (schema === 'service') await migrate(store, cleanup);
    const sql = await openSql(store);
    cleanup.add(() => sql.close());
    if (schema !== 'service') await sql.createTasksTable();
    const worker = await startBareWorker(store, cleanup);
    let producer;
    let produce;
    if (http) {
      const api = await startBareApi({ ...store, schemaReady: true }, cleanup);
      producer = { name: 'server', pid: api.pid };
      produce = () => submitAll(api.url, {}, count);
    } else {
      const redisUrl = new URL(store.env.REDIS_URL);
      const queue = new Queue(QUEUE, {
        connection: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
        prefix: store.queuePrefix,
        defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 } },
      });
      cleanup.add(() => queue.close());
      // This process also runs the SQL polling of waitForAllSuccess: an upper bound.
      producer = { name: 'producer', pid: undefined };
      produce = async () => {
        const started = Date.now();
        await inLanes(count, CLIENTS, async () => {
          const id = randomUUID();
          const params = JSON.stringify(PARAMS);
          await sql.query(
            `INSERT INTO tasks (id, task_type, status, created_at, input_params) VALUES (?, ?, 'PENDING', ?, ?)`,
            [id, QUEUE, sqlTimestamp(new Date()), params],
          );
          await queue.add(QUEUE, { taskType: QUEUE, params: PARAMS }, { jobId: id });
        });
        return started;
      };
    }
    const cpu = () => ({
      producer: cpuMs(producer.pid),
      worker: cpuMs(worker.pid),
      clients: http ? cpuMs() : 0,
    });
    const before = cpu();
    const servers = serversCpu(kind);
    const started = await produce();
    const { lastMs } = await waitForAllSuccess(sql, count);
    const after = cpu();
    const serversPerTask = servers(count);
    return {
      rate: count / ((lastMs - started) / 1000),
      cpu: {
        [producer.name]: (after.producer - before.producer) / count,
        worker: (after.worker - before.worker) / count,
        ...(http ? { clients: (after.clients - before.clients) / count } : {}),
        ...serversPerTask,
      },
    };
  } finally {
    await cleanup.run();
  }
}

/** "123 tasks/s; CPU ms per task: API 1.2, worker 2.3" */
export const describeThroughput = ({ rate, cpu }) =>
  `${rate.toFixed(0)} tasks/s; CPU ms per task: ${Object.entries(cpu)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(', ')}`;

/** One table row per database: system and bare in the same run, on the same task count. */
export async function queueThroughput({
  quick,
  count = quick ? 200 : 20_000,
  kinds = ['sqlite', 'postgres'],
}) {
  const rows = [];
  for (const kind of kinds) {
    const system = await systemThroughput({ kind, count });
    const bare = await bareThroughput({ kind, count });
    const target = kind === 'sqlite' ? 0.35 : 0.3;
    rows.push({
      benchmark: `Queue throughput (${kind})`,
      size: `${count} tasks, ${CLIENTS} clients, 1 worker × ${WORKER_CONCURRENCY}, keys + rate limit, info logs`,
      system: describeThroughput(system),
      bare: describeThroughput(bare),
      ratio: system.rate / bare.rate,
      target: `≥ ${target}`,
      holds: system.rate / bare.rate >= target,
    });
  }
  return rows;
}

/**
 * The queue row's gap taken apart on one database, each layer run after the one below it: bare
 * BullMQ on the issue's three-index table (the row's bare side), the same on the service's
 * migrated tables, then behind a bare `node:http` server and the same 50 clients, then the
 * service itself. Not part of the full run; printed as one line per layer with its ratio to the
 * first. With `stalls` (SQLite), each process started also reports its time in SQL and how much
 * of it its event loop waited off the CPU (lib/sql-stalls.mjs).
 */
export async function queueLayers({ kind, count, stalls = false }) {
  const layers = [
    ['bare BullMQ + SQL, the three-index table', () => bareThroughput({ kind, count })],
    ['the same on the service tables', () => bareThroughput({ kind, count, schema: 'service' })],
    [
      'behind node:http, 50 clients',
      () => bareThroughput({ kind, count, schema: 'service', http: true }),
    ],
    ['Conveyor', () => systemThroughput({ kind, count })],
  ];
  const results = [];
  for (const [name, run] of layers) {
    const measured = stalls ? await withSqlStalls(run, count) : { ...(await run()), stalls: [] };
    results.push({ name, ...measured });
  }
  return results.flatMap(({ name, rate, cpu, stalls: lines }) => [
    `${name}: ${describeThroughput({ rate, cpu })}; ratio ${(rate / results[0].rate).toFixed(2)}`,
    ...lines.map((line) => `  ${line}`),
  ]);
}

/**
 * Runs one layer with every process it starts timing its SQLite statements, and describes each
 * process's time in SQL against the run's length. A process with fewer statements than one per
 * ten tasks (the API that applied the migrations, then stopped) is left out; so is this
 * process, the bare layers' producer, which is not started with the preload.
 */
async function withSqlStalls(run, count) {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-sql-stalls-'));
  process.env.BENCH_SQL_STALLS = dir;
  try {
    const result = await run();
    const runMs = (count / result.rate) * 1000;
    const lines = readdirSync(dir)
      .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')))
      .filter(({ statements }) => statements >= count / 10)
      .map(
        ({ process: name, statements, sqlMs, offCpuMs }) =>
          `${name}: ${(statements / count).toFixed(1)} statements per task, ` +
          `${sqlMs.toFixed(0)} ms in SQL, ${offCpuMs.toFixed(0)} ms of it off the CPU ` +
          `(${((100 * offCpuMs) / runMs).toFixed(0)} % of the run's ${(runMs / 1000).toFixed(1)} s)`,
      );
    return { ...result, stalls: lines };
  } finally {
    delete process.env.BENCH_SQL_STALLS;
    rmSync(dir, { recursive: true, force: true });
  }
}

// Alone, for a before/after row: node bench/queue-throughput.mjs [--quick] [--count=N] [--kind=sqlite]
// The gap by layer: node bench/queue-throughput.mjs --layers [--stalls] [--count=N] [--kind=sqlite]
if (import.meta.url === `file://${process.argv[1]}`) {
  const option = (name) =>
    process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const count = option('count');
  if (process.argv.includes('--layers')) {
    const lines = await queueLayers({
      kind: option('kind') ?? 'sqlite',
      count: count ? Number(count) : 6000,
      stalls: process.argv.includes('--stalls'),
    });
    console.log(lines.join('\n'));
    process.exit(0);
  }
  console.log(
    await queueThroughput({
      quick: process.argv.includes('--quick'),
      ...(count ? { count: Number(count) } : {}),
      ...(option('kind') ? { kinds: [option('kind')] } : {}),
    }),
  );
}
