import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Observable, race, ReplaySubject, share, Subject } from 'rxjs';
import { AppConfig, RedisSettings } from '../config/app-config';
import { closeRedisClient, createRedisClient, RedisClient } from '../config/redis-client';
import { EventPosition } from './event-position';
import { StreamEntry, StreamTail } from './stream-tail';
import { BusEvent, TaskEvent, TaskLogsEvent } from './task-event';

/**
 * Events go out in batches, one stream entry per this many ms at most: for a small task, a
 * socket write and a Redis command per event cost more than the task's own work.
 */
const EVENT_BATCH_MS = 10;
const MAX_EVENT_BATCH = 500;
/**
 * Stream entries kept for readers that reconnect (approximate, as XADD trims whole nodes):
 * minutes of history at a normal pace, tens of seconds at thousands of events per second.
 */
const EVENTS_KEPT = 2000;
const CANCELS_KEPT = 1000;
/**
 * How long this process goes on following the event stream after its last reader left: a
 * dashboard that reloads, or a client that reconnects, finds the follow still running.
 */
export const EVENTS_FOLLOW_LINGER_MS = 30_000;
/** The field of a stream entry that holds its JSON payload. */
const PAYLOAD = 'p';

/** A bus event with its place in the stream. */
export interface PositionedEvent {
  position: EventPosition;
  event: BusEvent;
}

/** What a replay found: the events after a position, and whether nothing between was lost. */
export interface Replay {
  events: PositionedEvent[];
  /** false when the stream no longer holds that position (trimmed, or never there) or the
   * replay stopped at its bound: the reader must fetch again to be sure it misses nothing. */
  complete: boolean;
}

/**
 * Carries task events and cancel requests between processes over two Redis streams, so every
 * API instance sees every worker's updates and a cancel reaches whichever worker runs the
 * task. A reader keeps its place in the stream, so a dropped connection loses nothing, and an
 * SSE client that reconnects with `Last-Event-ID` is sent what it missed. Events are best
 * effort all the same: the SQL row stays the truth when Redis is away.
 */
@Injectable()
export class EventBus implements OnApplicationShutdown {
  private readonly logger = new Logger(EventBus.name);
  private readonly eventsKey: string;
  private readonly cancelsKey: string;
  private readonly publisher: RedisClient;
  private readonly redisSettings: RedisSettings;
  private eventsTail?: StreamTail;
  private cancelsTail?: StreamTail;
  /** One follow of the event stream, shared by every subscriber, running while there is one. */
  private readonly events$: Observable<PositionedEvent>;
  protected readonly followLingerMs: number = EVENTS_FOLLOW_LINGER_MS;
  /** Ends the linger at once from shutdown on: nothing is left to stop later. */
  private readonly shutDown$ = new ReplaySubject<void>(1);
  private readonly publishedHere$ = new Subject<BusEvent>();
  private readonly cancels$ = new Subject<string>();
  private batch: BusEvent[] = [];
  private flushTimer?: NodeJS.Timeout;
  /** The XADD of what publishInOrder was given this turn, sent at the end of the turn. */
  private flushThisTurn?: Promise<void>;

  constructor(config: AppConfig) {
    this.eventsKey = `${config.queuePrefix}:events`;
    this.cancelsKey = `${config.queuePrefix}:cancels`;
    // Fail fast while Redis is away instead of queueing publishes in memory.
    this.publisher = createRedisClient(config.redis, {
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    this.publisher.on('error', () => undefined);
    this.publisher.connect().catch(() => undefined);
    this.redisSettings = config.redis;
    this.events$ = new Observable<PositionedEvent>((subscriber) => {
      const tail = new StreamTail(this.redisSettings, this.eventsKey, (entry) => {
        for (const positioned of this.eventsOf(entry)) subscriber.next(positioned);
      });
      this.eventsTail = tail;
      return () => {
        if (this.eventsTail === tail) this.eventsTail = undefined;
        void tail.stop();
      };
    }).pipe(
      share({
        resetOnRefCountZero: () => race(unrefTimer(this.followLingerMs), this.shutDown$),
      }),
    );
  }

  /**
   * The events of every process, as they arrive over Redis, from when the follow started. The
   * stream is followed only while someone subscribes (and EVENTS_FOLLOW_LINGER_MS after): with
   * no SSE client, an API process reads back none of the events it writes.
   */
  get events(): Observable<PositionedEvent> {
    return this.events$;
  }

  /** Whether this process follows the event stream now. */
  get followingEvents(): boolean {
    return this.eventsTail !== undefined;
  }

  /**
   * Resolves once the follow that `events` subscribers share knows where it starts, so that
   * they get every event published after; or after `withinMs`, while Redis is away (events are
   * best effort). Subscribe first: without a subscriber there is no follow to wait for.
   */
  async eventsFollowed(withinMs: number): Promise<void> {
    const started = this.eventsTail?.started;
    if (!started) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      started,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, withinMs))),
    ]);
    clearTimeout(timer);
  }

  get cancels(): Observable<string> {
    this.cancelsTail ??= new StreamTail(this.redisSettings, this.cancelsKey, (entry) =>
      this.cancels$.next(payloadOf(entry)),
    );
    return this.cancels$.asObservable();
  }

  /** The events this very process publishes, as it publishes them (metrics count these). */
  get publishedHere(): Observable<BusEvent> {
    return this.publishedHere$.asObservable();
  }

  publish(event: TaskEvent): void {
    this.send(event);
  }

  /**
   * Publishes and resolves once the events are in the stream (or could not be written): for
   * events that must come before what the caller does next, as a task's `created` comes before
   * anything the worker that runs it publishes. The calls of one turn share one XADD, with
   * whatever this process held; it never rejects, as events are not worth failing a submit.
   */
  publishInOrder(events: TaskEvent[]): Promise<void> {
    for (const event of events) this.send(event);
    this.flushThisTurn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.flushThisTurn = undefined;
        resolve(this.flush());
      }),
    );
    return this.flushThisTurn;
  }

  /** A batch of a task's new log lines, on the same stream as its other events. */
  publishLogs(event: TaskLogsEvent): void {
    this.send(event);
  }

  requestCancel(taskId: string): void {
    void this.append(this.cancelsKey, CANCELS_KEPT, taskId);
  }

  /**
   * The events published after `after`, oldest first, at most `maxEntries` stream entries of
   * them; none when the stream no longer holds `after`.
   */
  async replay(after: EventPosition, maxEntries: number): Promise<Replay> {
    const entries = await this.publisher.xrange(
      this.eventsKey,
      after.entryId,
      '+',
      'COUNT',
      maxEntries + 1,
    );
    // Not held (trimmed, or never there): what follows it cannot be known to be all.
    if (entries[0]?.[0] !== after.entryId) return { events: [], complete: false };
    const events: PositionedEvent[] = [];
    for (const [id, fields] of entries.slice(0, maxEntries)) {
      for (const positioned of this.eventsOf({ id, fields })) {
        if (id !== after.entryId || positioned.position.index > after.index)
          events.push(positioned);
      }
    }
    return { events, complete: entries.length <= maxEntries };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
    this.shutDown$.next();
    const tails = [this.eventsTail, this.cancelsTail].filter((tail) => tail !== undefined);
    this.eventsTail = undefined;
    await Promise.all(tails.map((tail) => tail.stop()));
    this.publishedHere$.complete();
    this.cancels$.complete();
    await closeRedisClient(this.publisher);
  }

  private send(event: BusEvent): void {
    this.publishedHere$.next(event);
    this.batch.push(event);
    if (this.batch.length >= MAX_EVENT_BATCH) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), EVENT_BATCH_MS);
  }

  /** Sends what is held; resolves when Redis answered (the XADDs of one connection keep order). */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.length === 0) return Promise.resolve();
    const events = this.batch;
    this.batch = [];
    return this.append(this.eventsKey, EVENTS_KEPT, JSON.stringify(events));
  }

  private append(key: string, kept: number, payload: string): Promise<void> {
    if (this.publisher.status !== 'ready') return Promise.resolve();
    return this.publisher.xadd(key, 'MAXLEN', '~', kept, '*', PAYLOAD, payload).then(
      () => undefined,
      (error: Error) => this.logger.debug(`XADD to ${key} failed: ${error.message}`),
    );
  }

  private eventsOf(entry: StreamEntry): PositionedEvent[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payloadOf(entry));
    } catch {
      this.logger.warn(`Ignored a malformed task event batch (${entry.id})`);
      return [];
    }
    const events = (Array.isArray(parsed) ? parsed : [parsed]) as BusEvent[];
    return events.map((event, index) => ({ position: { entryId: entry.id, index }, event }));
  }
}

/** Emits once after `ms`, without keeping the process alive for it. */
function unrefTimer(ms: number): Observable<void> {
  return new Observable<void>((subscriber) => {
    const timer = setTimeout(() => {
      subscriber.next();
      subscriber.complete();
    }, ms);
    timer.unref();
    return () => clearTimeout(timer);
  });
}

function payloadOf(entry: StreamEntry): string {
  return entry.fields[0] === PAYLOAD ? (entry.fields[1] ?? '') : '';
}
