import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Response } from 'express';
import { filter } from 'rxjs';
import { AuthenticatedRequest, OPEN_PRINCIPAL } from '../auth/principal';
import { readProject } from '../auth/project-scope';
import { DEFAULT_PROJECT } from '../core/project';
import { AppConfig } from '../config/app-config';
import { clientKey } from '../limits/client-key';
import { LimitExceededError } from '../limits/limit-errors';
import { EventBus } from './event-bus.service';
import { BusEvent } from './task-event';

/** What a refused stream is told to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

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
  private readonly responses = new Set<Response>();

  constructor(
    private readonly bus: EventBus,
    private readonly config: AppConfig,
  ) {}

  get openCount(): number {
    return this.responses.size;
  }

  /** Opens a stream on `response`, or throws 429 (before anything is written) when full. */
  open(request: AuthenticatedRequest, response: Response): void {
    const client = clientKey(request);
    this.admit(client);
    const project = readProject(request.principal ?? OPEN_PRINCIPAL);
    this.responses.add(response);
    this.perClient.set(client, (this.perClient.get(client) ?? 0) + 1);

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

    let id = 0;
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
    const subscription = this.bus.events
      .pipe(
        filter((event) => project === undefined || (event.project ?? DEFAULT_PROJECT) === project),
      )
      .subscribe((event) => send(`event: ${event.type}\nid: ${++id}\ndata: ${wire(event)}\n\n`));

    response.once('close', () => {
      clearInterval(heartbeat);
      subscription.unsubscribe();
      this.responses.delete(response);
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
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

/** The event as the wire carries it: without the project, which only routes it. */
function wire(event: BusEvent): string {
  return JSON.stringify({ ...event, project: undefined });
}
