import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase } from './utils/databases';
import { freePort, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

interface Health {
  status: string;
  checks: { database: { status: string }; redis: { status: string; error?: string } };
  failed?: string[];
}

/** A Redis of this suite's own, so it can be stopped without touching anyone else's. */
async function startPrivateRedis(): Promise<{ url: string; process: ChildProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-redis-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  child.on('error', (error) => {
    throw new Error(`redis-server could not be started (is it installed?): ${error.message}`);
  });
  const url = `redis://127.0.0.1:${port}`;
  await waitFor('the private Redis to accept connections', async () => {
    const { answersPing } = await import('../src/config/local-redis');
    return answersPing('127.0.0.1', port);
  });
  return { url, process: child, dir };
}

describe('health', () => {
  const database = isolatedDatabase();
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    service = await startService({ ...database.env, REDIS_URL: redis.url });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    redis?.process.kill('SIGKILL');
    if (redis) rmSync(redis.dir, { recursive: true, force: true });
    await database.drop();
  });

  it('answers 200 while SQL and Redis answer, then 503 naming Redis when it is gone', async () => {
    const healthy = await api.request<Health>('GET', '/api/health');
    expect(healthy.status).toBe(200);
    expect(healthy.body.status).toBe('healthy');

    redis.process.kill('SIGTERM');
    const unhealthy = await waitFor('health to notice Redis is gone', async () => {
      const answer = await api.request<Health>('GET', '/api/health');
      return answer.status === 503 ? answer : undefined;
    });
    expect(unhealthy.body.status).toBe('unhealthy');
    expect(unhealthy.body.failed).toEqual(['redis']);
    expect(unhealthy.body.checks.redis.status).toBe('down');
    expect(unhealthy.body.checks.database.status).toBe('up');

    // Reads keep working from SQL while Redis is away.
    const list = await api.request('GET', '/api/tasks/');
    expect(list.status).toBe(200);
  });
});
