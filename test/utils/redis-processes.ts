import { ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';
import { answersPing } from '../../src/config/local-redis';
import { waitFor } from './wait-for';

/** What a failed start prints of the server's own log. */
const LOG_TAIL_CHARS = 4000;

/** A throwaway redis-server's arguments: loopback only, nothing kept on disk. */
export const ephemeralServerArgs = (port: number, dir: string): string[] => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  dir,
];

/** A redis-server (or sentinel) a suite started, with the tail of what it logged. */
export class RedisServerProcess {
  readonly child: ChildProcess;
  private log = '';
  private spawnError?: Error;

  constructor(
    readonly port: number,
    args: string[],
  ) {
    this.child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      this.log = (this.log + chunk.toString()).slice(-LOG_TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('error', (error) => {
      this.spawnError = error;
    });
  }

  get running(): boolean {
    return !this.spawnError && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILLs it if it still runs, and waits for it to exit. */
  async kill(): Promise<void> {
    // One that never started emits no 'exit' to wait for.
    if (!this.running) return;
    const { child } = this;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Until it answers PING; fails at once, saying why, if it exits or cannot be started first. */
  async waitUntilAnswering(timeoutMs = 30_000): Promise<void> {
    const outcome = await waitFor(
      `redis-server on port ${this.port} to answer PING`,
      async () => (this.running ? await answersPing('127.0.0.1', this.port) : 'stopped'),
      { timeoutMs },
    );
    if (outcome !== 'stopped') return;
    if (this.spawnError) {
      throw new Error(
        `redis-server could not be started (is it installed?): ${this.spawnError.message}`,
      );
    }
    const how = this.child.signalCode ?? `code ${this.child.exitCode}`;
    throw new Error(
      `redis-server on port ${this.port} exited (${how}) before answering. Its log:\n${this.log}`,
    );
  }
}

/** One command to one server, on a connection of its own that fails fast. */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** SIGKILLs every server still running, waits for each to exit, then removes their folder. */
export async function killServers(
  servers: Iterable<RedisServerProcess>,
  dir: string,
): Promise<void> {
  await Promise.all([...servers].map((server) => server.kill()));
  rmSync(dir, { recursive: true, force: true });
}
