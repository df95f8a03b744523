import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { removeKeysUnder } from './redis-keys';
import { waitFor } from './wait-for';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const MAIN = join(PROJECT_ROOT, 'dist', 'main.js');

export { freePort } from '../../src/config/free-port';

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process printed so far (its JSON log lines). */
  output(): string;
  /** What it wrote to stderr alone: a crash's stack trace, Node's own warnings. */
  stderr(): string;
  /** "running", or how it ended: its exit code or the signal that stopped it. */
  state(): string;
  /** Log lines as parsed JSON objects (non-JSON lines are skipped). */
  logs(): Record<string, unknown>[];
  /** Waits for the process to exit; SIGTERM first, SIGKILL after the grace period. */
  stop(graceMs?: number): Promise<number | null>;
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

/** Starts `node dist/main.js` as a real OS process with the given environment. */
export function spawnService(env: Record<string, string>): ServiceProcess {
  if (!existsSync(MAIN))
    throw new Error(`${MAIN} is missing: run "npm run build" before the e2e tests`);
  // TEST_SERVICE_NODE_OPTIONS reaches every service a suite starts (a --require preload that
  // traces a fault, --cpu-prof); the services otherwise get none of the runner's environment.
  const nodeOptions = process.env.TEST_SERVICE_NODE_OPTIONS;
  const child = spawn(process.execPath, [MAIN], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      TZ: 'UTC',
      LOG_LEVEL: 'info',
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );
  return {
    child,
    exited,
    output: () => output,
    stderr: () => stderr,
    state: () => {
      if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
      if (child.signalCode !== null) return `stopped by ${child.signalCode}`;
      return 'running';
    },
    logs: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface TestService {
  url: string;
  dataDir: string;
  env: Record<string, string>;
  process: ServiceProcess;
  /** Starts another process (a worker, say) against the same Redis prefix, database and DATA_DIR. */
  spawnPeer(extraEnv: Record<string, string>): ServiceProcess;
  stop(): Promise<void>;
}

/** The port a service logged that it listens on (it binds PORT=0 to a free one itself). */
function listeningPort(service: ServiceProcess): number | undefined {
  for (const line of service.logs()) {
    const port = /listening on http:\/\/[^\s]+:(\d+)\b/.exec(String(line.msg))?.[1];
    if (port) return Number(port);
  }
  return undefined;
}

/**
 * A service with its own DATA_DIR, port and BullMQ prefix, so suites can run at once without
 * sharing a queue or a database. Resolves once /api/health answers 200. Unless env sets PORT, the
 * service binds a free port itself: a port picked here and bound later by the service could be
 * taken in between by another suite running at the same time.
 */
export async function startService(env: Record<string, string> = {}): Promise<TestService> {
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-test-'));
  const serviceEnv: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: '0',
    QUEUE_PREFIX: `test-${randomBytes(5).toString('hex')}`,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    PROGRESS_INTERVAL_MS: '100',
    // Suites poll many tasks from one address, far past one client's default limit (§8); the
    // abuse suites set the limit they test.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  };
  const main = spawnService(serviceEnv);
  let url = '';
  const peers: ServiceProcess[] = [];
  try {
    const exitedEarly = (): void => {
      if (main.child.exitCode !== null) throw new Error(`the service exited:\n${main.output()}`);
    };
    const port = await waitFor(
      'the service to say which port it listens on',
      () => {
        exitedEarly();
        return listeningPort(main);
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    url = `http://127.0.0.1:${port}`;
    await waitFor(
      'the service to answer /api/health',
      async () => {
        exitedEarly();
        const response = await fetch(`${url}/api/health`);
        return response.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (error) {
    await main.kill();
    throw new Error(`${(error as Error).message}\n${main.output().slice(-3000)}`);
  }
  return {
    url,
    dataDir,
    env: serviceEnv,
    process: main,
    spawnPeer: (extraEnv) => {
      const peer = spawnService({ ...serviceEnv, PORT: '0', ...extraEnv });
      peers.push(peer);
      return peer;
    },
    stop: async () => {
      await Promise.all([...peers, main].map((p) => p.stop()));
      rmSync(dataDir, { recursive: true, force: true });
      // A cluster's or Sentinel's Redis is the suite's own and goes with it.
      if (!serviceEnv.REDIS_CLUSTER_NODES && !serviceEnv.REDIS_SENTINELS) {
        await removeKeysUnder(serviceEnv.REDIS_URL, serviceEnv.QUEUE_PREFIX);
      }
    },
  };
}
