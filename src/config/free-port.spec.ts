import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ephemeralRangeStart, freePort } from './free-port';

describe('freePort', () => {
  // Inside the range, an outgoing connection made before the server binds may take the port.
  it('answers a port below the ephemeral range that a server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThanOrEqual(10_000);
    expect(port).toBeLessThan(ephemeralRangeStart());
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('ephemeralRangeStart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-port-range-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['the kernel file', '32768\t60999\n', 32768],
    ['a garbled file', 'not numbers', 49152],
  ])('reads %s', (_name, contents, expected) => {
    const file = join(dir, 'range');
    writeFileSync(file, contents);
    expect(ephemeralRangeStart(file)).toBe(expected);
  });

  it('falls back to the IANA range where the kernel has no such file', () => {
    expect(ephemeralRangeStart(join(dir, 'missing'))).toBe(49152);
  });
});
