import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ephemeralServerArgs,
  killServers,
  redisCommand,
  RedisServerProcess,
} from './redis-processes';
import { freePort } from './start-service';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** Short, so that a replica takes over from a failed master within seconds. */
const NODE_TIMEOUT_MS = 2000;

/**
 * A real Redis Cluster of the suite's own: 3 masters and 3 replicas, each a `redis-server
 * --cluster-enabled yes` on a free loopback port (its cluster bus on another), nothing on disk.
 */
export class RedisClusterFixture {
  private readonly nodes: RedisServerProcess[] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'conveyor-cluster-'));

  static async start(size = 6): Promise<RedisClusterFixture> {
    const cluster = new RedisClusterFixture();
    try {
      await cluster.create(size);
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /** REDIS_CLUSTER_NODES: every node; the client finds the masters itself. */
  get nodesList(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  private async create(size: number): Promise<void> {
    const taken = new Set<number>();
    await Promise.all(Array.from({ length: size }, () => this.startNode(taken)));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...this.nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
    await this.waitUntilOk(this.nodes.map((node) => node.port));
  }

  /**
   * Starts one node on a free port and bus port, none of them picked twice in this cluster. A
   * port found free can still be taken before redis-server binds it (another suite starts
   * servers too): such a start is tried again on other ports.
   */
  private async startNode(taken: Set<number>, attempts = 3): Promise<void> {
    const pick = async (): Promise<number> => {
      let port = await freePort();
      while (taken.has(port)) port = await freePort();
      taken.add(port);
      return port;
    };
    const [port, busPort] = [await pick(), await pick()];
    const nodeDir = join(this.dir, String(port));
    mkdirSync(nodeDir);
    const node = new RedisServerProcess(port, [
      ...ephemeralServerArgs(port, nodeDir),
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(nodeDir, 'nodes.conf'),
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
    ]);
    // Listed at once, so that destroy() kills it even if another node's start fails meanwhile.
    this.nodes.push(node);
    try {
      await node.waitUntilAnswering();
    } catch (error) {
      await node.kill();
      this.nodes.splice(this.nodes.indexOf(node), 1);
      if (attempts > 1 && /Address already in use/.test(String(error))) {
        return this.startNode(taken, attempts - 1);
      }
      throw error;
    }
  }

  /** Until every given node says cluster_state:ok and knows a master for every slot. */
  async waitUntilOk(ports: number[], timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'the cluster to say cluster_state:ok on every node',
      async () => {
        for (const port of ports) {
          const info = await redisCommand(port, ['CLUSTER', 'INFO']);
          if (!/cluster_state:ok/.test(String(info))) return false;
        }
        return true;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  /** The port of the master now serving the slot of `key`. */
  async masterOf(key: string): Promise<number> {
    const alive = this.alivePorts();
    const slot = Number(await redisCommand(alive[0], ['CLUSTER', 'KEYSLOT', key]));
    const slots = (await redisCommand(alive[0], ['CLUSTER', 'SLOTS'])) as [
      number,
      number,
      [string, number],
    ][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no master serves slot ${slot}`);
    return range[2][1];
  }

  /** Kills the master of `key`'s slot outright; answers its port. */
  async killMasterOf(key: string): Promise<number> {
    const port = await this.masterOf(key);
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`node ${port} is not one of this cluster's`);
    await node.kill();
    return port;
  }

  /** Until another node serves `key`'s slot and the survivors say cluster_state:ok. */
  async waitForFailover(key: string, formerMaster: number, timeoutMs = 60_000): Promise<number> {
    const promoted = await waitFor(
      `a replica to take over the slot of ${key}`,
      async () => {
        const port = await this.masterOf(key);
        return port !== formerMaster ? port : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
    await this.waitUntilOk(this.alivePorts(), timeoutMs);
    return promoted;
  }

  alivePorts(): number[] {
    return this.nodes.filter((node) => node.running).map((node) => node.port);
  }

  async destroy(): Promise<void> {
    await killServers(this.nodes, this.dir);
  }
}
