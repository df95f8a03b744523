import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface ReceivedCall {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver of webhook deliveries: records every call; a path answers 200 unless
 * told (`failFirst`) to answer 500 a number of times first.
 */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  private readonly failures = new Map<string, number>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        receiver.calls.push({
          path,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const left = receiver.failures.get(path) ?? 0;
        if (left > 0) receiver.failures.set(path, left - 1);
        response.writeHead(left > 0 ? 500 : 200, { 'content-type': 'text/plain' });
        response.end(left > 0 ? 'not now' : 'ok');
      });
    });
    const receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  failFirst(path: string, times: number): void {
    this.failures.set(path, times);
  }

  /** The calls to `path`, their bodies parsed. */
  at(
    path: string,
  ): (ReceivedCall & { json: { event: string; task: { id: string; status: string } } })[] {
    return this.calls
      .filter((call) => call.path === path)
      .map((call) => ({ ...call, json: JSON.parse(call.body) as never }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
