import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './api-client';
import { DatabaseEnv, isolatedDatabase } from './databases';
import { RedisClusterFixture } from './redis-cluster';
import { startS3Server, TestS3Server } from './s3-server';
import { ServiceProcess, spawnService } from './start-service';
import { waitFor } from './wait-for';

/** One Conveyor process of the topology, with the DATA_DIR that only it uses. */
export interface TopologyProcess {
  name: string;
  process: ServiceProcess;
  dataDir: string;
}

export interface TopologyApi extends TopologyProcess {
  url: string;
  api: ApiClient;
}

/**
 * Several API and worker processes on one host as they would run on several machines: each
 * with its own DATA_DIR, sharing only PostgreSQL, a Redis Cluster and an S3-compatible bucket.
 */
export class Topology {
  readonly apis: TopologyApi[] = [];
  /** Every worker started, killed ones included (their logs count for duplicate checks). */
  readonly workers: TopologyProcess[] = [];
  /** Every process started, in order, whether or not it came up. */
  private readonly members: TopologyProcess[] = [];
  private workerCount = 0;

  private constructor(
    readonly database: DatabaseEnv,
    readonly redis: RedisClusterFixture,
    readonly s3: TestS3Server,
    /** What every process shares: the database, the cluster, the bucket and the queue prefix. */
    readonly env: Record<string, string>,
  ) {}

  /**
   * Starts the shared services, then the APIs at once (as a Deployment's replicas start: each
   * applies the migrations that are due), then the workers, and resolves once every API answers
   * /api/health/ready and lists every worker.
   */
  static async start({ apis, workers }: { apis: number; workers: number }): Promise<Topology> {
    const database = isolatedDatabase('postgres');
    const redis = await RedisClusterFixture.start();
    let s3: TestS3Server;
    try {
      s3 = await startS3Server();
    } catch (error) {
      await redis.destroy();
      throw error;
    }
    const prefix = `topology-${randomBytes(4).toString('hex')}`;
    const topology = new Topology(database, redis, s3, {
      ...database.env,
      ...s3.env(prefix),
      REDIS_CLUSTER_NODES: redis.nodesList,
      QUEUE_PREFIX: prefix,
      PROGRESS_INTERVAL_MS: '100',
      RATE_LIMIT_PER_MINUTE: '1000000',
      WORKER_HEARTBEAT_TTL_SECONDS: '5',
    });
    try {
      const started = await Promise.all(
        Array.from({ length: apis }, (_, index) => topology.startApi(`api-${index + 1}`)),
      );
      topology.apis.push(...started);
      for (let index = 1; index <= workers; index++) topology.startWorker();
      await topology.waitForWorkers(workers);
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  private spawn(name: string, role: 'api' | 'worker'): TopologyProcess {
    const dataDir = mkdtempSync(join(tmpdir(), `conveyor-${name}-`));
    const process = spawnService({ ...this.env, APP_ROLE: role, PORT: '0', DATA_DIR: dataDir });
    const member = { name, process, dataDir };
    this.members.push(member);
    return member;
  }

  /** Starts an API process; it joins `apis` when the caller adds it. */
  async startApi(name: string): Promise<TopologyApi> {
    const started = this.spawn(name, 'api');
    const port = await waitFor(
      `${started.name} to say which port it listens on`,
      () => {
        if (started.process.child.exitCode !== null)
          throw new Error(`${started.name} exited:\n${started.process.output()}`);
        for (const line of started.process.logs()) {
          const found = /listening on http:\/\/[^\s]+:(\d+)\b/.exec(String(line.msg))?.[1];
          if (found) return Number(found);
        }
        return undefined;
      },
      { timeoutMs: 90_000, intervalMs: 50 },
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      `${started.name} to answer /api/health/ready`,
      async () => (await fetch(`${url}/api/health/ready`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    return { ...started, url, api: new ApiClient(url) };
  }

  startWorker(): TopologyProcess {
    this.workerCount += 1;
    const worker = this.spawn(`worker-${this.workerCount}`, 'worker');
    this.workers.push(worker);
    return worker;
  }

  /** The workers not killed or stopped. */
  liveWorkers(): TopologyProcess[] {
    return this.workers.filter(
      (worker) =>
        worker.process.child.exitCode === null && worker.process.child.signalCode === null,
    );
  }

  /** Until every API lists `count` live worker processes (GET /api/workers). */
  async waitForWorkers(count: number, timeoutMs = 90_000): Promise<void> {
    for (const api of this.apis) {
      await waitFor(
        `${api.name} to list ${count} workers`,
        async () => {
          for (const worker of this.workers)
            if (worker.process.child.exitCode !== null)
              throw new Error(`${worker.name} exited:\n${worker.process.output().slice(-3000)}`);
          const answer = await api.api.request<{ workers: unknown[] }>('GET', '/api/workers');
          return answer.status === 200 && answer.body.workers.length === count;
        },
        { timeoutMs, intervalMs: 200 },
      );
    }
  }

  /** The files each process keeps in its own DATA_DIR, by process: none is shared, all go to S3. */
  filesInDataDirs(): Record<string, string[]> {
    const list = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? list(join(dir, entry.name)).map((name) => `${entry.name}/${name}`)
          : [entry.name],
      );
    return Object.fromEntries(
      [...this.apis, ...this.workers].map((member) => [member.name, list(member.dataDir)]),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((member) => member.process.stop(20_000)));
    await this.s3.stop();
    await this.redis.destroy();
    await this.database.drop();
    for (const member of this.members) rmSync(member.dataDir, { recursive: true, force: true });
  }
}
