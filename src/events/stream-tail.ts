import { Logger } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { RedisSettings } from '../config/app-config';
import { createRedisClient, RedisClient } from '../config/redis-client';

/** How long one XREAD waits for new entries before it asks again. */
const BLOCK_MS = 5000;
/** Entries read per round trip at most, so one reader never takes a whole backlog at once. */
const READ_COUNT = 200;
/** The pause before trying again after a failed read, while Redis is away. */
const RETRY_MS = 500;

export interface StreamEntry {
  id: string;
  /** The entry's field/value list as Redis returns it: [field, value, field, value, …]. */
  fields: string[];
}

/**
 * Follows one Redis stream from the moment it starts, on a blocking connection of its own. It
 * keeps the id of the last entry it read, so a connection that drops and comes back (a
 * failover, a restart of Redis) goes on from there and misses nothing the stream still holds;
 * pub/sub would have dropped whatever was published while it was away.
 */
export class StreamTail {
  private readonly logger = new Logger(StreamTail.name);
  private readonly client: RedisClient;
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;
  private markStarted!: () => void;
  /**
   * Resolves once the tail knows where it starts (the newest entry when it began), so that every
   * entry added after is delivered; or when it stops first.
   */
  readonly started = new Promise<void>((resolve) => (this.markStarted = resolve));

  constructor(
    settings: RedisSettings,
    private readonly key: string,
    private readonly onEntry: (entry: StreamEntry) => void,
  ) {
    this.client = createRedisClient(settings);
    this.client.on('error', () => undefined);
    this.loop = this.follow();
  }

  /** Stops following; stopping twice is stopping once. */
  async stop(): Promise<void> {
    this.markStarted();
    this.stopping.abort();
    this.client.disconnect();
    await this.loop;
  }

  private async follow(): Promise<void> {
    let lastId: string | undefined;
    while (!this.stopping.signal.aborted) {
      try {
        lastId ??= await this.untilStopped(this.newestId());
        this.markStarted();
        const reply = await this.untilStopped(
          this.client.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, lastId),
        );
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            lastId = id;
            this.deliver({ id, fields });
          }
        }
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.logger.debug(`reading ${this.key} failed: ${(error as Error).message}`);
        await delay(RETRY_MS, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  /**
   * The command's answer, or a rejection once the tail stops. A command sent while Redis is away
   * waits in the client's queue, and disconnecting a client that is between reconnection
   * attempts never settles it: stop() would otherwise wait until Redis came back.
   */
  private untilStopped<T>(command: Promise<T>): Promise<T> {
    const { signal } = this.stopping;
    if (signal.aborted) return Promise.reject(new Error('stopped'));
    return new Promise<T>((resolve, reject) => {
      const onStop = (): void => reject(new Error('stopped'));
      signal.addEventListener('abort', onStop, { once: true });
      command.finally(() => signal.removeEventListener('abort', onStop)).then(resolve, reject);
    });
  }

  /** Where this tail starts: after the newest entry there is now, not at the stream's start. */
  private async newestId(): Promise<string> {
    const newest = await this.client.xrevrange(this.key, '+', '-', 'COUNT', 1);
    return newest[0]?.[0] ?? '0-0';
  }

  private deliver(entry: StreamEntry): void {
    try {
      this.onEntry(entry);
    } catch (error) {
      this.logger.warn(`Ignored an entry of ${this.key}: ${(error as Error).message}`);
    }
  }
}
