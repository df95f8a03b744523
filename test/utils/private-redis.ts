import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralServerArgs, RedisServerProcess } from './redis-processes';
import { freePort } from './start-service';

/** A redis-server of the suite's own on a free port, which the suite may stop and start again. */
export class PrivateRedis {
  private server?: RedisServerProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'conveyor-redis-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.resume();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on the same port, empty: it keeps nothing on disk. */
  async resume(): Promise<void> {
    this.server = new RedisServerProcess(this.port, ephemeralServerArgs(this.port, this.dir));
    await this.server.waitUntilAnswering();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server?.running) return;
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
