import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { filter } from 'rxjs';
import { AuthenticatedRequest, OPEN_PRINCIPAL } from '../auth/principal';
import { readProject } from '../auth/project-scope';
import { DEFAULT_PROJECT } from '../core/project';
import { AppConfig } from '../config/app-config';
import { clientKey } from '../limits/client-key';
import { LimitExceededError } from '../limits/limit-errors';
import { EventBus, PositionedEvent } from './event-bus.service';
import { comparePositions, EventPosition, formatPosition, parsePosition } from './event-position';

/** What a refused stream is told to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;
/** Stream entries (published batches) one reconnecting client may be sent at most. */
const REPLAY_MAX_ENTRIES = 500;
/** How long a new stream waits for the follow of the event stream to start, while Redis is away. */
const FOLLOW_WAIT_MS = 2_000;

/**
 * The open Server-Sent Events streams of this process: admits at most SSE_MAX_CLIENTS in all
 * and SSE_MAX_CLIENTS_PER_KEY per caller, writes each its project's events and a heartbeat
 * comment, and drops a client whose unsent bytes pass SSE_BUFFER_BYTES, so that one reader
 * that stops reading never makes the process hold every event for it.
 */
@Injectable()
export class EventStreams implements OnApplicationShutdown {
  private readonly logger = new Logger(EventStreams.name);
  private readonly perClient = new Map<string, number>();
  private readonly responses = new Set<ServerResponse>();

  constructor(
    private readonly bus: EventBus,
    private readonly config: AppConfig,
  ) {}

  get openCount(): number {
    return this.responses.size;
  }

  /**
   * Opens a stream on `response`, or throws 429 (before anything is written) when full. The
   * headers go out once this process follows the event stream (the follow runs only while some
   * client streams), so a client that has them gets every event published after; `takeOver`
   * tells the HTTP platform, just before, that the response is written here.
   */
  async open(
    request: AuthenticatedRequest,
    response: ServerResponse,
    takeOver: () => void,
  ): Promise<void> {
    const client = clientKey(request);
    this.admit(client);
    const project = readProject(request.principal ?? OPEN_PRINCIPAL);
    const isOwn = ({ event }: PositionedEvent): boolean =>
      project === undefined || (event.project ?? DEFAULT_PROJECT) === project;
    this.responses.add(response);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);

    // Events wait here until the stream is ready for them, then go to `live`.
    const early: PositionedEvent[] = [];
    let live: ((positioned: PositionedEvent) => void) | undefined;
    const subscription = this.bus.events.pipe(filter(isOwn)).subscribe((positioned) => {
      if (live) live(positioned);
      else early.push(positioned);
    });
    let closed = false;
    response.once('close', () => {
      closed = true;
      subscription.unsubscribe();
      this.responses.delete(response);
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    });

    await this.bus.eventsFollowed(FOLLOW_WAIT_MS);
    if (closed) return;
    takeOver();
    request.socket.setTimeout(0);
    request.socket.setNoDelay(true);
    request.socket.setKeepAlive(true);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0, no-transform',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold the events back.
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();

    const { heartbeatMs, bufferBytes } = this.config.limits.sse;
    const send = (text: string): void => {
      if (response.destroyed) return;
      if (response.writableLength > bufferBytes) {
        this.logger.warn(
          `Dropped a slow event stream (${client}): over SSE_BUFFER_BYTES=${bufferBytes} bytes unsent`,
        );
        response.destroy();
        return;
      }
      response.write(text);
    };
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
    response.once('close', () => clearInterval(heartbeat));
    const goLive = (deliver: (positioned: PositionedEvent) => void): void => {
      for (const positioned of early.splice(0)) deliver(positioned);
      live = deliver;
    };
    const resumeAfter = parsePosition(firstValue(request.headers['last-event-id']));
    if (resumeAfter) this.resume(resumeAfter, send, bufferBytes / 2, isOwn, goLive);
    else goLive((positioned) => send(frame(positioned)));
  }

  /**
   * Sends a reconnecting client the events it missed after `after`, then the live ones (held
   * until then by `goLive`), skipping any the replay already sent. A client whose gap the stream
   * cannot cover (trimmed, or more than `maxBytes`) is told to `resync`: to fetch what it shows
   * again.
   */
  private resume(
    after: EventPosition,
    send: (text: string) => void,
    maxBytes: number,
    isOwn: (positioned: PositionedEvent) => boolean,
    goLive: (deliver: (positioned: PositionedEvent) => void) => void,
  ): void {
    let sentUpTo = after;
    const sendOnce = (positioned: PositionedEvent): void => {
      if (comparePositions(positioned.position, sentUpTo) <= 0) return;
      sentUpTo = positioned.position;
      send(frame(positioned));
    };
    void this.bus
      .replay(after, REPLAY_MAX_ENTRIES)
      .catch(() => ({ events: [], complete: false }))
      .then((replay) => {
        let bytes = 0;
        let complete = replay.complete;
        for (const positioned of replay.events) {
          if (!isOwn(positioned)) continue;
          const text = frame(positioned);
          bytes += text.length;
          if (bytes > maxBytes) {
            complete = false;
            break;
          }
          sendOnce(positioned);
        }
        if (!complete) send('event: resync\ndata: {}\n\n');
        goLive(sendOnce);
      });
  }

  onApplicationShutdown(): void {
    for (const response of this.responses) response.end();
  }

  private admit(client: string): void {
    const { maxClients, maxClientsPerKey } = this.config.limits.sse;
    if (this.responses.size >= maxClients) {
      throw new LimitExceededError(
        429,
        `Too many event streams: SSE_MAX_CLIENTS is ${maxClients} open streams; try again later`,
        RETRY_AFTER_SECONDS,
      );
    }
    if ((this.perClient.get(client) ?? 0) >= maxClientsPerKey) {
      throw new LimitExceededError(
        429,
        `Too many event streams for this key or address: SSE_MAX_CLIENTS_PER_KEY is ${maxClientsPerKey}; close one first`,
        RETRY_AFTER_SECONDS,
      );
    }
  }
}

/** One SSE message: its position is its id; the project, which only routes it, is left out. */
function frame({ position, event }: PositionedEvent): string {
  const data = JSON.stringify({ ...event, project: undefined });
  return `event: ${event.type}\nid: ${formatPosition(position)}\ndata: ${data}\n\n`;
}

const firstValue = (header: string | string[] | undefined): string | undefined =>
  Array.isArray(header) ? header[0] : header;
