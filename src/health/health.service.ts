import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskQueueService } from '../queue/task-queue.service';
import { ObjectStorage } from '../storage/object-storage';

const CHECK_TIMEOUT_MS = 2000;

interface CheckResult {
  status: 'up' | 'down';
  error?: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  timestamp: string;
  checks: {
    database: CheckResult & { driver: string };
    redis: CheckResult;
    workers: Record<string, number | null>;
  };
  failed?: string[];
}

/** GET /api/health/ready: whether this instance can serve (§12). */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  timestamp: string;
  checks: { database: CheckResult; redis: CheckResult; storage: CheckResult };
  /** The checks that failed, by name. */
  failed?: string[];
}

async function probe(check: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: TaskQueueService,
    private readonly storage: ObjectStorage,
  ) {}

  /**
   * SQL, Redis and the file storage, each within CHECK_TIMEOUT_MS. Redis is asked through a
   * queue's own connection for a key of that queue, so that in a cluster it is the master
   * holding the queues' slot that must answer, not just any node.
   */
  async readiness(): Promise<ReadinessReport> {
    const [queue] = this.queues.allQueues();
    const [database, redis, storage] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      probe(async () => (await queue.client).hexists(queue.keys.meta, 'paused')),
      probe(() => this.storage.ping()),
    ]);
    const checks = { database, redis, storage };
    const failed = Object.entries(checks)
      .filter(([, result]) => result.status === 'down')
      .map(([name]) => name);
    return {
      status: failed.length === 0 ? 'ready' : 'not_ready',
      timestamp: new Date().toISOString(),
      checks,
      ...(failed.length > 0 ? { failed } : {}),
    };
  }

  async check(): Promise<HealthReport> {
    const workers: Record<string, number | null> = {};
    const queues = this.queues.allQueues();
    for (const queue of queues) workers[queue.name] = null;
    const [database, redis] = await Promise.all([
      probe(() => this.dataSource.query('SELECT 1')),
      // Counting each queue's workers is a round trip to Redis too, so it doubles as the probe.
      probe(async () => {
        for (const queue of queues) workers[queue.name] = await queue.getWorkersCount();
      }),
    ]);
    const failed = [
      database.status === 'down' && 'database',
      redis.status === 'down' && 'redis',
    ].filter((name): name is string => typeof name === 'string');
    return {
      status: failed.length === 0 ? 'healthy' : 'unhealthy',
      timestamp: new Date().toISOString(),
      checks: { database: { ...database, driver: this.dataSource.options.type }, redis, workers },
      ...(failed.length > 0 ? { failed } : {}),
    };
  }
}
