import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { waitFor } from '../../test/utils/wait-for';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { redisOptionsFromUrl } from '../config/redis-options';
import { EventBus, PositionedEvent } from './event-bus.service';
import { taskEvent } from './task-event';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** An event of a task named `id`, told apart from the others by its id alone. */
const eventOf = (id: string) =>
  taskEvent('status', { id, taskType: 'csv_processing', project: 'default' }, 'RUNNING', 0);

/**
 * Two buses on one Redis stand for two processes; the reader reaches Redis through a relay the
 * test can cut, as a network partition or a failover would cut its connection.
 */
describe('EventBus over Redis streams', () => {
  const prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
  const redisUrl = new URL(REDIS_URL);
  const admin = new Redis(redisOptionsFromUrl(REDIS_URL));
  let proxy: TcpProxy;
  let writer: EventBus;
  let reader: EventBus;
  const received: PositionedEvent[] = [];
  const cancels: string[] = [];
  const busOn = (url: string) =>
    new EventBus(new AppConfig(validateEnv({ REDIS_URL: url, QUEUE_PREFIX: prefix })));
  const receivedIds = () => received.map(({ event }) => event.task_id);

  /** Publishes until the reader has it: the writer connects lazily and drops what comes first. */
  async function deliverOne(id: string): Promise<PositionedEvent> {
    return waitFor(`${id} on the reader`, () => {
      if (!receivedIds().includes(id)) writer.publish(eventOf(id));
      return received.find(({ event }) => event.task_id === id);
    });
  }

  beforeAll(async () => {
    proxy = await TcpProxy.start(redisUrl.hostname, Number(redisUrl.port || 6379));
    writer = busOn(REDIS_URL);
    reader = busOn(`redis://127.0.0.1:${proxy.port}`);
    reader.events.subscribe((positioned) => received.push(positioned));
    reader.cancels.subscribe((taskId) => cancels.push(taskId));
    await deliverOne('warm-up');
  });

  afterAll(async () => {
    await Promise.all([writer.onApplicationShutdown(), reader.onApplicationShutdown()]);
    await proxy.cut();
    await admin.del(`${prefix}:events`, `${prefix}:cancels`);
    await admin.quit();
  });

  it('hands a reader cut off from Redis, once back, the events and cancels sent meanwhile', async () => {
    await proxy.cut();
    const sent = ['gap-1', 'gap-2', 'gap-3'];
    for (const id of sent) writer.publish(eventOf(id));
    writer.requestCancel('cancelled-in-gap');
    // The writer's entries are in the stream while the reader cannot reach it.
    await waitFor('the gap events in the stream', async () => {
      const entries = await admin.xrange(`${prefix}:events`, '-', '+');
      const text = entries.map(([, fields]) => fields[1]).join();
      return sent.every((id) => text.includes(id));
    });
    expect(receivedIds()).not.toContain('gap-1');

    await proxy.restore();
    await waitFor(
      'the gap events on the reader',
      () => sent.every((id) => receivedIds().includes(id)),
      {
        timeoutMs: 20_000,
      },
    );
    await waitFor('the cancel on the reader', () => cancels.includes('cancelled-in-gap'));
    expect(receivedIds().filter((id) => id.startsWith('gap-'))).toEqual(sent);
  });

  it('publishInOrder resolves once its events, and those held before them, are in the stream', async () => {
    writer.publish(eventOf('held-before'));
    await writer.publishInOrder([eventOf('in-order-1'), eventOf('in-order-2')]);
    // No waiting: a caller may act on the events being there as soon as the call resolves.
    const [[, fields]] = await admin.xrevrange(`${prefix}:events`, '+', '-', 'COUNT', 1);
    const ids = (JSON.parse(fields[1]) as { task_id: string }[]).map((event) => event.task_id);
    expect(ids).toEqual(['held-before', 'in-order-1', 'in-order-2']);
  });

  it('follows the stream only while someone subscribes, and for its linger after', async () => {
    /** A bus whose follow outlives its last subscriber by 200 ms instead of 30 s. */
    class ShortLingerBus extends EventBus {
      protected override readonly followLingerMs = 200;
    }
    const bus = new ShortLingerBus(new AppConfig(validateEnv({ REDIS_URL, QUEUE_PREFIX: prefix })));
    try {
      expect(bus.followingEvents).toBe(false);
      const seen: string[] = [];
      const first = bus.events.subscribe(({ event }) => seen.push(event.task_id));
      const second = bus.events.subscribe(() => undefined);
      expect(bus.followingEvents).toBe(true);
      // Once followed, an event published right after reaches the subscriber: no retries.
      await bus.eventsFollowed(5_000);
      await writer.publishInOrder([eventOf('after-follow')]);
      await waitFor('the event on the new follow', () => seen.includes('after-follow'));

      first.unsubscribe();
      second.unsubscribe();
      expect(bus.followingEvents).toBe(true);
      await waitFor('the follow to stop after its linger', () => !bus.followingEvents);

      const again = bus.events.subscribe(({ event }) => seen.push(event.task_id));
      await bus.eventsFollowed(5_000);
      await writer.publishInOrder([eventOf('after-restart')]);
      await waitFor('the event on the restarted follow', () => seen.includes('after-restart'));
      again.unsubscribe();
    } finally {
      await bus.onApplicationShutdown();
    }
    expect(bus.followingEvents).toBe(false);
  });

  it('replays what came after a position, and says when it cannot cover the gap', async () => {
    const first = await deliverOne('replay-1');
    await deliverOne('replay-2');
    await deliverOne('replay-3');

    const all = await reader.replay(first.position, 100);
    expect(all.complete).toBe(true);
    expect(all.events.map(({ event }) => event.task_id)).toEqual(['replay-2', 'replay-3']);

    const bounded = await reader.replay(first.position, 1);
    expect(bounded.complete).toBe(false);

    const unknown = await reader.replay({ entryId: '1-0', index: 0 }, 100);
    expect(unknown.complete).toBe(false);

    // Trimmed away: the stream no longer holds the position the client names.
    await admin.xtrim(`${prefix}:events`, 'MAXLEN', 1);
    const trimmed = await reader.replay(first.position, 100);
    expect(trimmed.complete).toBe(false);
    expect(trimmed.events).toEqual([]);
  });
});
