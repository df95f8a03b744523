import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ephemeralServerArgs,
  killServers,
  redisCommand,
  RedisServerProcess,
} from './redis-processes';
import { freePort } from './start-service';
import { waitFor } from './wait-for';

export const SENTINEL_MASTER_NAME = 'conveyor-master';

/**
 * Redis behind Sentinel, of the suite's own: a master, a replica of it and three sentinels
 * (quorum 2) on free loopback ports, nothing kept on disk.
 */
export class RedisSentinelFixture {
  private readonly servers = new Map<number, RedisServerProcess>();
  private readonly sentinelPorts: number[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'conveyor-sentinel-'));
  private masterPort = 0;

  static async start(): Promise<RedisSentinelFixture> {
    const fixture = new RedisSentinelFixture();
    try {
      await fixture.create();
    } catch (error) {
      await fixture.destroy();
      throw error;
    }
    return fixture;
  }

  /** REDIS_SENTINELS. */
  get sentinelsList(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  private spawnServer(port: number, args: string[]): void {
    this.servers.set(port, new RedisServerProcess(port, args));
  }

  private async create(): Promise<void> {
    const base = (port: number) => ephemeralServerArgs(port, this.dir);
    this.masterPort = await freePort();
    const replicaPort = await freePort();
    this.spawnServer(this.masterPort, base(this.masterPort));
    this.spawnServer(replicaPort, [
      ...base(replicaPort),
      '--replicaof',
      '127.0.0.1',
      String(this.masterPort),
    ]);
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      const file = join(this.dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its file with what it learns, so each has its own.
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${this.dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${this.masterPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 10000`,
          '',
        ].join('\n'),
      );
      this.spawnServer(port, [file, '--sentinel']);
      this.sentinelPorts.push(port);
    }
    await Promise.all([...this.servers.values()].map((server) => server.waitUntilAnswering()));
    await waitFor(
      'the replica to be in sync and every sentinel to see it',
      async () => {
        for (const port of this.sentinelPorts) {
          const replicas = (await redisCommand(port, [
            'SENTINEL',
            'REPLICAS',
            SENTINEL_MASTER_NAME,
          ])) as unknown[];
          if (replicas.length === 0) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }

  /** The port of the master as the sentinels name it. */
  async currentMaster(): Promise<number> {
    const [, port] = (await redisCommand(this.sentinelPorts[0], [
      'SENTINEL',
      'GET-MASTER-ADDR-BY-NAME',
      SENTINEL_MASTER_NAME,
    ])) as [string, string];
    return Number(port);
  }

  /** Kills the master outright; answers its port. */
  async killMaster(): Promise<number> {
    const port = await this.currentMaster();
    const server = this.servers.get(port);
    if (!server) throw new Error(`no server of this fixture on ${port}`);
    await server.kill();
    return port;
  }

  async waitForFailover(formerMaster: number, timeoutMs = 60_000): Promise<number> {
    return waitFor(
      'the sentinels to promote the replica',
      async () => {
        const port = await this.currentMaster();
        if (port === formerMaster) return undefined;
        const role = String(await redisCommand(port, ['ROLE']).then((r) => (r as unknown[])[0]));
        return role === 'master' ? port : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  async destroy(): Promise<void> {
    await killServers(this.servers.values(), this.dir);
  }
}
