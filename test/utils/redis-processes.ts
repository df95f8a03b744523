import { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import Redis from 'ioredis';

/** A throwaway redis-server's arguments: loopback only, nothing kept on disk. */
export const ephemeralServerArgs = (port: number, dir: string): string[] => [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  dir,
];

/** One command to one server, on a connection of its own that fails fast. */
export async function redisCommand(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

/** SIGKILLs every server still running, waits for each to exit, then removes their folder. */
export async function killServers(children: Iterable<ChildProcess>, dir: string): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }),
  );
  rmSync(dir, { recursive: true, force: true });
}
