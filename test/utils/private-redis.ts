import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answersPing } from '../../src/config/local-redis';
import { ephemeralServerArgs } from './redis-processes';
import { freePort } from './start-service';
import { waitFor } from './wait-for';

/** A redis-server of the suite's own on a free port, which the suite may stop and start again. */
export class PrivateRedis {
  private child?: ChildProcess;
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
    this.child = spawn('redis-server', ephemeralServerArgs(this.port, this.dir), {
      stdio: 'ignore',
    });
    this.child.on('error', (error) => {
      throw new Error(`redis-server could not be started (is it installed?): ${error.message}`);
    });
    await waitFor(`Redis on port ${this.port}`, () => answersPing('127.0.0.1', this.port));
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
