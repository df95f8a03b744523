import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The lowest port handed out: below it sit the well-known ports and most servers' defaults. */
const LOWEST_PORT = 10_000;
/** Where the kernel's range is unreadable (not Linux), the IANA ephemeral range starts here. */
const IANA_EPHEMERAL_START = 49_152;
const ATTEMPTS = 50;

/** The first port the kernel may give an outgoing connection as its local port. */
export function ephemeralRangeStart(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const [low] = readFileSync(rangeFile, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && low > 0 ? low : IANA_EPHEMERAL_START;
  } catch {
    return IANA_EPHEMERAL_START;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function kernelChosenPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A port nothing listens on, for a server another process is about to start. It is drawn
 * below the kernel's ephemeral range: a port from `listen(0)` lies inside it, and an outgoing
 * connection made before the other process binds may take it as its local port, which makes
 * that bind fail with EADDRINUSE.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const highest = ephemeralRangeStart() - 1;
  if (highest > LOWEST_PORT) {
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const port = randomInt(LOWEST_PORT, highest + 1);
      if (await canListen(port, host)) return port;
    }
  }
  return kernelChosenPort(host);
}
