import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { AppConfig } from './app-config';
import { freePort } from './free-port';

export class RedisUnavailableError extends Error {}

/** True when something at host:port answers a Redis PING within the timeout. */
export function answersPing(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function waitForPing(port: number, deadlineMs: number): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (await answersPing('127.0.0.1', port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Zero-config start: with REDIS_URL unset and nothing at 127.0.0.1:6379, run a private
 * redis-server on loopback with its files under DATA_DIR/redis (reused by the next start).
 */
export async function ensureRedis(
  config: AppConfig,
  log: (message: string) => void,
): Promise<AppConfig> {
  // A cluster or Sentinel is the operator's own: reconnected to while away, never replaced.
  if (config.redis.topology.kind !== 'single') return config;
  const url = new URL(config.redis.url);
  if (await answersPing(url.hostname, Number(url.port || 6379))) return config;
  if (!config.redis.isDefault) return config; // an explicit REDIS_URL is reconnected to, not replaced
  const dir = join(config.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const portFile = join(dir, 'port');
  const previous = Number(readFileOrEmpty(portFile));
  if (previous > 0 && (await answersPing('127.0.0.1', previous))) {
    log(`Using the private Redis started earlier on 127.0.0.1:${previous}`);
    return config.withRedisUrl(`redis://127.0.0.1:${previous}`);
  }
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
    ],
    { stdio: 'ignore', detached: true },
  );
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(false));
    child.once('spawn', () => resolve(true));
  });
  if (!spawned || !(await waitForPing(port, 5000))) {
    throw new RedisUnavailableError(
      'No Redis answers at redis://127.0.0.1:6379 and redis-server is not on PATH. ' +
        'Install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) ' +
        'or set REDIS_URL to a running Redis.',
    );
  }
  child.unref();
  writeFileSync(portFile, String(port));
  log(
    `No Redis at 127.0.0.1:6379: started a private redis-server on 127.0.0.1:${port} (files in ${dir})`,
  );
  return config.withRedisUrl(`redis://127.0.0.1:${port}`);
}

function readFileOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
