import { AddressInfo, createServer, Server, Socket, connect } from 'node:net';

/** PostgreSQL's BackendKeyData ('K') and ReadyForQuery ('Z') message types. */
const BACKEND_KEY_DATA = 0x4b;
const READY_FOR_QUERY = 0x5a;

/** The messages whole in `buffer`: each a type byte, then an Int32 length that counts itself. */
function* messagesIn(buffer: Buffer): Generator<{ type: number; body: Buffer }> {
  let at = 0;
  while (at + 5 <= buffer.length) {
    const length = buffer.readInt32BE(at + 1);
    if (at + 1 + length > buffer.length) return;
    yield { type: buffer[at], body: buffer.subarray(at + 5, at + 1 + length) };
    at += 1 + length;
  }
}

/**
 * A TCP proxy in front of PostgreSQL that, once armed, has the server end the next new session
 * just as its start-up completes: it holds the server's ReadyForQuery, has the session's backend
 * terminated, and passes both on in one write, the way a session killed at that instant reaches
 * the client. Every other byte passes through as it comes.
 */
export class SessionEndingProxy {
  private readonly server: Server;
  private armed = false;
  /** Sessions ended so far. */
  ended = 0;

  constructor(
    private readonly target: { host: string; port: number },
    /** Ends the backend with this process id (pg_terminate_backend on another connection). */
    private readonly terminate: (pid: number) => Promise<unknown>,
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** The next session to start is ended as it becomes ready. */
  arm(): void {
    this.armed = true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    const endsThisOne = this.armed;
    this.armed = false;
    client.pipe(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    if (!endsThisOne) {
      upstream.pipe(client);
      return;
    }
    let held = Buffer.alloc(0);
    const hold = (chunk: Buffer): void => {
      held = Buffer.concat([held, chunk]);
      let pid: number | undefined;
      let ready = false;
      for (const { type, body } of messagesIn(held)) {
        if (type === BACKEND_KEY_DATA) pid = body.readInt32BE(0);
        if (type === READY_FOR_QUERY) ready = true;
      }
      if (!ready || pid === undefined) return;
      upstream.off('data', hold);
      upstream.pause();
      // The server's FATAL comes after the ready it has sent: both go on in one write.
      this.terminate(pid).then(
        () => {
          upstream.once('data', (fatal: Buffer) => {
            this.ended++;
            client.write(Buffer.concat([held, fatal]));
            upstream.pipe(client);
          });
          upstream.resume();
        },
        // Nothing ended, so the session fails as a lost connection and the test sees ended 0.
        () => {
          client.destroy();
          upstream.destroy();
        },
      );
    };
    upstream.on('data', hold);
  }
}
