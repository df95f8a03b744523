import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase } from './utils/databases';
import { PrivateRedis } from './utils/private-redis';
import { sqlRows } from './utils/sql-rows';
import { startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

interface Health {
  status: string;
  checks: { database: { status: string }; redis: { status: string; error?: string } };
  failed?: string[];
}

interface Readiness {
  status: string;
  checks: Record<'database' | 'redis' | 'storage', { status: string; error?: string }>;
  failed?: string[];
}

/** Longer than a test waits for a stopped service, so that only an early exit passes. */
const SHUTDOWN_GRACE_MS = 60_000;

/**
 * A service on a database and a Redis of the suite's own, so that Redis can be stopped without
 * touching anyone else's; `stop` ends all three.
 */
async function startOnOwnRedis(
  database: DatabaseEnv,
  graceMs = SHUTDOWN_GRACE_MS,
): Promise<{ redis: PrivateRedis; service: TestService; stop(): Promise<void> }> {
  const redis = await PrivateRedis.start();
  const service = await startService({
    ...database.env,
    REDIS_URL: redis.url,
    SHUTDOWN_GRACE_MS: String(graceMs),
  });
  return {
    redis,
    service,
    async stop() {
      await service.stop();
      await redis.destroy();
      await database.drop();
    },
  };
}

/** A task's status as its row holds it, read from SQL: the service may have exited. */
async function storedStatus(
  database: DatabaseEnv,
  service: TestService,
  id: string,
): Promise<string | undefined> {
  const rows = await sqlRows<{ status: string }>(
    database,
    service.dataDir,
    'SELECT status FROM tasks WHERE id = ?',
    [id],
  );
  return rows[0]?.status;
}

describe('health', () => {
  const database = isolatedDatabase();
  let redis: PrivateRedis;
  let service: TestService;
  let api: ApiClient;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    ({ redis, service, stop } = await startOnOwnRedis(database));
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await stop?.();
  });

  it('keeps idle connections open past a load balancer idle timeout, and says so', async () => {
    const keepAlive = await new Promise<string>((resolve, reject) => {
      get(`${service.url}/api/health/live`, (response) => {
        response.resume();
        resolve(String(response.headers['keep-alive']));
      }).on('error', reject);
    });
    expect(keepAlive).toBe('timeout=65');
  });

  it('is not ready, naming the storage, while DATA_DIR takes no files', async () => {
    // A file where the probe writes its own: the write fails as on a full or read-only disk.
    const blocker = join(service.dataDir, 'ready-probe');
    rmSync(blocker, { recursive: true, force: true });
    writeFileSync(blocker, 'not a folder');
    try {
      const answer = await api.request<Readiness>('GET', '/api/health/ready');
      expect([answer.status, answer.body.failed]).toEqual([503, ['storage']]);
      expect(answer.body.checks.storage.error).toEqual(expect.any(String));
      // /api/health keeps its contract: it does not ask the storage.
      expect((await api.request('GET', '/api/health')).status).toBe(200);
    } finally {
      rmSync(blocker, { force: true });
    }
    expect((await api.request('GET', '/api/health/ready')).status).toBe(200);
  });

  it('answers 200 while SQL and Redis answer, then 503 naming Redis when it is gone', async () => {
    const healthy = await api.request<Health>('GET', '/api/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.status).toBe('healthy');
    const ready = await api.request<Readiness>('GET', '/api/health/ready');
    expect([ready.status, ready.body.status, ready.body.failed]).toEqual([200, 'ready', undefined]);
    expect(ready.body.checks).toEqual({
      database: { status: 'up' },
      redis: { status: 'up' },
      storage: { status: 'up' },
    });

    await redis.stop();
    const unhealthy = await waitFor('health to notice Redis is gone', async () => {
      const answer = await api.request<Health>('GET', '/api/health');
      return answer.status === 503 ? answer : undefined;
    });
    expect(unhealthy.body.status).toBe('unhealthy');
    expect(unhealthy.body.failed).toEqual(['redis']);
    expect(unhealthy.body.checks.redis.status).toBe('down');
    expect(unhealthy.body.checks.database.status).toBe('up');

    // Readiness names Redis alone; liveness asks nothing and stays 200.
    const notReady = await api.request<Readiness>('GET', '/api/health/ready');
    expect([notReady.status, notReady.body.status, notReady.body.failed]).toEqual([
      503,
      'not_ready',
      ['redis'],
    ]);
    expect(notReady.body.checks.redis.error).toEqual(expect.any(String));
    const live = await api.request<{ status: string }>('GET', '/api/health/live');
    expect([live.status, live.body.status]).toEqual([200, 'live']);

    // Reads keep working from SQL while Redis is away.
    const list = await api.request('GET', '/api/tasks/');
    expect(list.status).toBe(200);
  });

  it('shuts down on SIGTERM while Redis is away: a running task finishes its work first, then the process exits 0', async () => {
    await redis.resume();
    await waitFor(
      'Redis to be back',
      async () => (await api.request('GET', '/api/health')).status === 200,
    );
    const task = await api.submit('csv_processing', { num_rows: 20, processing_time: 3 });
    await api.waitForStatus(task.id, ['RUNNING']);
    await redis.stop();
    // stop() kills a process still there after 15 s, well before SHUTDOWN_GRACE_MS is over.
    const code = await service.process.stop();
    expect([code, service.process.state()]).toEqual([0, 'exited with code 0']);
    const messages = service.process.logs().map((line) => line.msg);
    expect(messages).toContain(
      'Redis does not answer: closing the workers without it, after 1 running task(s) end',
    );
    expect(messages).toContainEqual(
      expect.stringMatching(/^Redis does not answer: closing \d+ queue/),
    );
    // Its work and its row were finished without Redis; only the job's acknowledgement waits.
    expect(await storedStatus(database, service, task.id)).toBe('SUCCESS');
  });
});

describe('Redis lost while the workers drain on SIGTERM', () => {
  const stops: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  /**
   * A service on its own Redis runs a task of `seconds`; SIGTERM comes while it runs, and Redis
   * dies once the drain has begun (with Redis there). Resolves once the process has exited.
   */
  async function loseRedisWhileDraining(graceMs: number, seconds: number) {
    const database = isolatedDatabase();
    const { redis, service, stop } = await startOnOwnRedis(database, graceMs);
    stops.push(stop);
    const api = new ApiClient(service.url);
    const task = await api.submit('csv_processing', { num_rows: 20, processing_time: seconds });
    await api.waitForStatus(task.id, ['RUNNING']);
    const messages = (): unknown[] => service.process.logs().map((line) => line.msg);
    service.process.child.kill('SIGTERM');
    await waitFor('the drain to begin', () =>
      messages().some((msg) => String(msg).startsWith('Draining the workers: 1 running task(s)')),
    );
    await redis.stop();
    // Well before a 60 s grace period and the last-resort exit 15 s after it.
    await waitFor('the process to exit', () => service.process.state() !== 'running', {
      timeoutMs: 20_000,
    });
    return {
      redis,
      service,
      messages: messages(),
      status: () => storedStatus(database, service, task.id),
    };
  }

  it('lets the running task finish its work, then exits 0 without waiting for Redis', async () => {
    const { service, messages, status } = await loseRedisWhileDraining(SHUTDOWN_GRACE_MS, 3);
    expect(service.process.state()).toBe('exited with code 0');
    expect(messages).toContain(
      'Redis went away while the workers drained: closing them without it, after 1 running task(s) end',
    );
    expect(await status()).toBe('SUCCESS');
  });

  it('stops a task longer than the grace period, exits 0, and runs it once Redis is back', async () => {
    const { redis, service, messages, status } = await loseRedisWhileDraining(1_500, 6);
    expect(service.process.state()).toBe('exited with code 0');
    expect(messages).toContain(
      'Shutdown grace period over: stopping 1 task(s); their jobs return once Redis does',
    );
    // Handed back in SQL; its job was lost with Redis.
    expect(await status()).toBe('PENDING');

    // Redis comes back empty: a new process finds the task in SQL and runs it to the end.
    await redis.resume();
    service.spawnPeer({});
    await waitFor('the task to succeed', async () => (await status()) === 'SUCCESS', {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
  });
});
