// Starts the built service (dist/main.js) and bare-library peers as real processes, and cleans
// up after them: every process, temp dir, Redis key prefix and PostgreSQL schema made here.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { removeKeysUnder } from '../../test/utils/redis-keys.js';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const requireFromProject = createRequire(join(PROJECT_ROOT, 'package.json'));
// BENCH_MAIN in the environment runs every benchmark against another build (before/after rows).
const MAIN = process.env.BENCH_MAIN ?? join(PROJECT_ROOT, 'dist', 'main.js');
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Cleanups not yet run, so that Ctrl-C or SIGTERM still stops every process started here. */
const pending = new Set();

export async function runPendingCleanups() {
  for (const cleanup of [...pending]) await cleanup.run();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`${signal}: stopping every process this benchmark started`);
    runPendingCleanups().finally(() => process.exit(130));
  });
}

/** Everything started by a benchmark, so that one call stops it all, also after a failure. */
export class Cleanup {
  #steps = [];
  constructor() {
    pending.add(this);
  }
  add(step) {
    this.#steps.push(step);
  }
  async run() {
    pending.delete(this);
    // Last started, first stopped: workers go before the Redis keys and schemas they use.
    for (const step of this.#steps.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup step failed: ${error.message}`);
      }
    }
    this.#steps = [];
  }
}

/** The project's own port chooser (below the ephemeral range), from the build the bench needs. */
export async function freePort() {
  const builtModule = join(PROJECT_ROOT, 'dist', 'config', 'free-port.js');
  if (!existsSync(builtModule))
    throw new Error(`${builtModule} is missing: run "npm run build" first`);
  const { freePort: choosePort } = requireFromProject(builtModule);
  return choosePort();
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Polls `check` until it returns a truthy value; bounded in time so no loop runs forever. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const SQL_STALLS_PRELOAD = join(PROJECT_ROOT, 'bench', 'lib', 'sql-stalls.mjs');

/**
 * Spawns a Node script as a child process; its output is kept for error messages. With
 * BENCH_SQL_STALLS set to a directory, the child times its SQLite statements there (sql-stalls.mjs).
 */
export function spawnNode(script, { args = [], env = {}, nodeArgs = [] } = {}, cleanup) {
  const stalls = process.env.BENCH_SQL_STALLS;
  const preload = stalls ? ['--import', SQL_STALLS_PRELOAD] : [];
  const child = spawn(process.execPath, [...preload, ...nodeArgs, script, ...args], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      ...(stalls ? { BENCH_SQL_STALLS: stalls } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    // Only the tail matters for a failure report; a long run must not grow this without end.
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((done) => child.once('exit', (code) => done(code)));
  const proc = {
    child,
    pid: child.pid,
    exited,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop(graceMs = 15_000) {
      if (!proc.running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  cleanup?.add(() => proc.stop());
  return proc;
}

/** Peak resident memory (VmHWM) of a live process, in MB, from /proc. */
export function peakRssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

export const uniqueName = (label) => `bench_${label}_${randomBytes(4).toString('hex')}`;

/**
 * A database for one benchmark: a temp DATA_DIR (SQLite lives there) or a fresh PostgreSQL
 * schema, plus a Redis prefix. All of it is removed by the cleanup.
 */
export async function makeStore(kind, label, cleanup) {
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-bench-'));
  const queuePrefix = uniqueName(label);
  cleanup.add(() => rmSync(dataDir, { recursive: true, force: true }));
  cleanup.add(() => removeKeysUnder(REDIS_URL, queuePrefix));
  const env = { DATA_DIR: dataDir, QUEUE_PREFIX: queuePrefix, REDIS_URL };
  if (kind === 'postgres') {
    const schema = queuePrefix;
    env.DATABASE_URL = POSTGRES_URL;
    env.DATABASE_SCHEMA = schema;
    cleanup.add(async () => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    });
  }
  return { kind, dataDir, queuePrefix, env, sqlitePath: join(dataDir, 'conveyor.sqlite') };
}

/**
 * Starts `node dist/main.js` in a role; for roles with HTTP, resolves once /api/health answers
 * (200, or 503 when only the workers are missing, which an API-only process reports).
 */
export async function startService(store, role, extraEnv, cleanup) {
  // BENCH_MAIN: another build of the service (an earlier commit's dist/), for before/after rows.
  const main = extraEnv?.BENCH_MAIN ?? MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  const port = role === 'worker' ? 0 : await freePort();
  const proc = spawnNode(
    main,
    {
      env: { LOG_LEVEL: 'warn', ...store.env, APP_ROLE: role, PORT: String(port), ...extraEnv },
      nodeArgs: extraEnv?.NODE_ARGS ? extraEnv.NODE_ARGS.split(' ') : [],
    },
    cleanup,
  );
  const url = `http://127.0.0.1:${port}`;
  if (role !== 'worker') {
    await waitFor(
      `the ${role} process to answer /api/health`,
      async () => {
        if (!proc.running())
          throw new Error(`the ${role} process exited:\n${proc.output().slice(-3000)}`);
        try {
          const response = await fetch(`${url}/api/health`);
          return response.status === 200 || response.status === 503;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60_000 },
    );
  }
  return { ...proc, url };
}

/** Waits until the worker has registered on its queue (it opens no port to ask). */
export async function waitForWorkers(apiUrl, queue, count) {
  await waitFor(
    `${count} worker(s) on ${queue}`,
    async () => {
      const response = await fetch(`${apiUrl}/api/health`);
      const body = await response.json().catch(() => ({}));
      return (body?.checks?.workers?.[queue] ?? 0) >= count;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** Starts the bare node:http + better-sqlite3 + BullMQ server on the store's database. */
export async function startBareApi(store, cleanup) {
  const port = await freePort();
  const proc = spawnNode(
    join(PROJECT_ROOT, 'bench', 'bare', 'bare-api.mjs'),
    { env: { BENCH_STORE: JSON.stringify(store), PORT: String(port) } },
    cleanup,
  );
  await waitFor('the bare API', () => {
    if (!proc.running()) throw new Error(`the bare API exited:\n${proc.output()}`);
    return proc.output().includes('ready');
  });
  return { ...proc, url: `http://127.0.0.1:${port}` };
}
