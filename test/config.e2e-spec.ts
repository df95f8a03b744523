import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppConfig } from '../src/config/app-config';
import { validateEnv } from '../src/config/env';
import { answersPing, ensureRedis } from '../src/config/local-redis';
import { freePort, PROJECT_ROOT } from './utils/start-service';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

function boot(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('start-up configuration', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT must be an integer from 0 to 65535'],
    [{ APP_ROLE: 'scheduler' }, 'APP_ROLE must be one of: api, worker, all'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL must be a PostgreSQL URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must be a Redis URL'],
    [{ CSV_CONCURRENCY: '0' }, 'CSV_CONCURRENCY must be an integer from 1 to 64'],
  ])('refuses %j with one clear line', (env, message) => {
    const { status, stderr } = boot(env);
    expect(status).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(lines[0]).toContain('got');
  });

  it('starts a private redis-server when the default Redis does not answer', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-redis-'));
    const unusedPort = await freePort();
    const base = new AppConfig(validateEnv({ DATA_DIR: dataDir }));
    // The default URL, pointed at a port where nothing listens, as on a machine without Redis.
    const url = `redis://127.0.0.1:${unusedPort}`;
    const config = Object.assign(Object.create(AppConfig.prototype) as AppConfig, base, {
      redis: { url, isDefault: true, topology: { kind: 'single', url } },
    });
    const messages: string[] = [];
    const started = await ensureRedis(config, (message) => messages.push(message));
    const port = Number(new URL(started.redis.url).port);
    try {
      expect(port).not.toBe(unusedPort);
      expect(await answersPing('127.0.0.1', port)).toBe(true);
      expect(readFileSync(join(dataDir, 'redis', 'port'), 'utf8')).toBe(String(port));
      expect(messages[0]).toContain('started a private redis-server');
      // A second start reuses it instead of starting another.
      const again = await ensureRedis(config, (message) => messages.push(message));
      expect(again.redis.url).toBe(started.redis.url);
    } finally {
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps an explicit REDIS_URL that does not answer instead of replacing it', async () => {
    const port = await freePort();
    const config = new AppConfig(validateEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    expect((await ensureRedis(config, () => undefined)).redis.url).toBe(
      `redis://127.0.0.1:${port}`,
    );
  });
});
