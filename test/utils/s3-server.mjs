// An S3-compatible server for the tests: the fauxqs emulator (objects kept in memory), bound to
// a free loopback port. Prints {"port": N} once it listens; stops on SIGTERM.
import { buildApp } from 'fauxqs';

const app = buildApp({ logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
