import { waitFor } from './wait-for';

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/** Splits an SSE body into messages: blank-line separated blocks of `field: value` lines. */
export function parseSseBlock(block: string): SseMessage | undefined {
  const message: SseMessage = { event: 'message', data: '' };
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') message.event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') message.id = value;
  }
  if (data.length === 0) return undefined;
  message.data = data.join('\n');
  return message;
}

/** A client of an SSE endpoint that keeps every message it receives, in order. */
export class SseReader {
  readonly messages: SseMessage[] = [];
  /** Comment lines (`: …`), such as heartbeats, without the colon. */
  readonly comments: string[] = [];
  /** Why the stream broke, when it did before close(). */
  failure?: Error;
  private closed = false;

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {}

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    const reader = new SseReader(response, controller);
    reader.pump().catch((error: Error) => (reader.failure = error));
    return reader;
  }

  /** Waits until a message satisfies `predicate`, and returns it. */
  waitForMessage(
    description: string,
    predicate: (message: SseMessage) => boolean,
    timeoutMs = 30_000,
  ): Promise<SseMessage> {
    return waitFor(
      description,
      () => {
        if (this.failure) throw this.failure;
        return this.messages.find(predicate);
      },
      { timeoutMs, intervalMs: 20 },
    );
  }

  close(): void {
    this.closed = true;
    this.controller.abort();
  }

  private async pump(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of this.response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let boundary: RegExpExecArray | null;
        while ((boundary = /\r?\n\r?\n/.exec(buffer))) {
          const block = buffer.slice(0, boundary.index);
          for (const line of block.split(/\r?\n/))
            if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
          const message = parseSseBlock(block);
          buffer = buffer.slice(boundary.index + boundary[0].length);
          if (message) this.messages.push(message);
        }
      }
    } catch (error) {
      if (!this.closed) throw error;
    }
  }
}
