import { comparePositions, parsePosition } from '../src/events/event-position';
import type { TaskEvent } from '../src/events/task-event';
import { ApiClient } from './utils/api-client';
import { SseReader } from './utils/sse-reader';
import { freePort, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

// These suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

interface ReceivedEvent {
  /** The SSE `event:` field. */
  name: string;
  data: TaskEvent;
}

/** The task's events, without its `logs` batches (the task-logs suite covers those). */
const eventsOf = (reader: SseReader, taskId: string): ReceivedEvent[] =>
  reader.messages
    .filter((message) => message.event !== 'logs')
    .map((message) => ({ name: message.event, data: JSON.parse(message.data) as TaskEvent }))
    .filter((event) => event.data.task_id === taskId);

/** Waits until the stream carried the task's `status` event for one of `statuses`. */
const waitForStatusEvent = (reader: SseReader, taskId: string, statuses: string[]) =>
  reader.waitForMessage(`a ${statuses.join('/')} status event for ${taskId}`, (message) => {
    const data = JSON.parse(message.data) as TaskEvent;
    return data.task_id === taskId && message.event === 'status' && statuses.includes(data.status);
  });

describe('GET /api/events', () => {
  let service: TestService;
  let api: ApiClient;
  let secondApiUrl: string;
  const readers: SseReader[] = [];

  beforeAll(async () => {
    // Two API instances and one worker, all separate processes sharing Redis and the database.
    service = await startService({ APP_ROLE: 'api' });
    const secondPort = await freePort();
    service.spawnPeer({ APP_ROLE: 'api', PORT: String(secondPort) });
    service.spawnPeer({ APP_ROLE: 'worker' });
    secondApiUrl = `http://127.0.0.1:${secondPort}`;
    api = new ApiClient(service.url);
    await waitFor(
      'the second API instance',
      async () => (await fetch(`${secondApiUrl}/api/health`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await waitForWorkers(service.url);
  });

  afterAll(async () => {
    for (const reader of readers) reader.close();
    await service?.stop();
  });

  async function openStreams(): Promise<[SseReader, SseReader]> {
    const pair: [SseReader, SseReader] = await Promise.all([
      SseReader.open(`${service.url}/api/events`),
      SseReader.open(`${secondApiUrl}/api/events`),
    ]);
    readers.push(...pair);
    // A paced task's events over a second prove both streams are live before the task under
    // test starts.
    const warmUp = await api.submit('csv_processing', { num_rows: 10, processing_time: 1 });
    await Promise.all(pair.map((reader) => waitForStatusEvent(reader, warmUp.id, ['SUCCESS'])));
    return pair;
  }

  it('streams created, status and progress events of a task, in order, to every API instance', async () => {
    const [first, second] = await openStreams();
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const task = await api.submit('csv_processing', { num_rows: 20000, processing_time: 2 });
    await Promise.all(
      [first, second].map((reader) => waitForStatusEvent(reader, task.id, ['SUCCESS'])),
    );

    const events = eventsOf(first, task.id);
    // The SSE event name is the message's type.
    for (const event of events) expect(event.name).toBe(event.data.type);
    for (const event of events) {
      expect(event.data).toEqual({
        type: event.name,
        task_id: task.id,
        task_type: 'csv_processing',
        status: expect.any(String) as string,
        progress: expect.any(Number) as number,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
      });
    }

    const [created, started, ...rest] = events;
    const finished = rest.pop();
    expect(created.data).toMatchObject({ type: 'created', status: 'PENDING', progress: 0 });
    expect(started.data).toMatchObject({ type: 'status', status: 'RUNNING' });
    expect(finished?.data).toMatchObject({ type: 'status', status: 'SUCCESS', progress: 100 });
    // Between them only progress, RUNNING, moving forward and never back.
    expect(rest.length).toBeGreaterThanOrEqual(2);
    for (const event of rest)
      expect(event.data).toMatchObject({ type: 'progress', status: 'RUNNING' });
    const progress = rest.map((event) => event.data.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
    const times = events.map((event) => Date.parse(event.data.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));

    // The other API instance, which neither took the submit nor ran the task, saw the same.
    expect(eventsOf(second, task.id).map((event) => event.data)).toEqual(
      events.map((event) => event.data),
    );
  });

  it('sends a client that reconnects with Last-Event-ID, to either API, the events it missed', async () => {
    const [before] = await openStreams();
    const task = await api.submit('csv_processing', { num_rows: 1000, processing_time: 2 });
    const created = await before.waitForMessage('the created event', (message) => {
      const data = JSON.parse(message.data) as TaskEvent;
      return data.task_id === task.id && message.event === 'created';
    });
    expect(created.id).toMatch(/^\d+-\d+\/\d+$/);
    before.close();
    // Everything after `created` happens while no stream of this client is open.
    await waitFor('the task to finish', async () => (await api.get(task.id)).status === 'SUCCESS');

    const resumed = await SseReader.open(`${secondApiUrl}/api/events`, {
      'Last-Event-ID': created.id!,
    });
    readers.push(resumed);
    await waitForStatusEvent(resumed, task.id, ['SUCCESS']);
    const missed = eventsOf(resumed, task.id);
    expect(missed[0]).toMatchObject({ name: 'status', data: { status: 'RUNNING' } });
    expect(missed.map((event) => event.name)).not.toContain('created');
    expect(new Set(missed.map((event) => JSON.stringify(event.data))).size).toBe(missed.length);
    expect(resumed.messages.some((message) => message.event === 'resync')).toBe(false);
    // The replayed events keep the ids they had, in stream order.
    const ids = resumed.messages.filter((message) => message.id).map((message) => message.id!);
    const positions = ids.map((id) => parsePosition(id)!);
    expect(positions).toEqual([...positions].sort(comparePositions));
  });

  it('tells a client to resync when its Last-Event-ID is no longer held, and ignores an id it did not give', async () => {
    const gone = await SseReader.open(`${service.url}/api/events`, { 'Last-Event-ID': '1-0/0' });
    const foreign = await SseReader.open(`${service.url}/api/events`, { 'Last-Event-ID': '42' });
    readers.push(gone, foreign);
    await gone.waitForMessage('a resync event', (message) => message.event === 'resync');
    const task = await api.submit('csv_processing', { num_rows: 10, processing_time: 1 });
    await Promise.all(
      [gone, foreign].map((reader) => waitForStatusEvent(reader, task.id, ['SUCCESS'])),
    );
    expect(foreign.response.status).toBe(200);
    expect(foreign.messages.some((message) => message.event === 'resync')).toBe(false);
    expect(eventsOf(foreign, task.id)[0]).toMatchObject({ name: 'created' });
  });

  it('streams rising progress through a paced run of a CSV small enough to be read at once', async () => {
    const [stream] = await openStreams();
    const task = await api.submit('csv_processing', { num_rows: 1000, processing_time: 4 });
    await waitForStatusEvent(stream, task.id, ['SUCCESS']);
    const progress = eventsOf(stream, task.id)
      .filter((event) => event.name === 'progress')
      .map((event) => event.data.progress);
    // One write per PROGRESS_INTERVAL_MS (300 ms) over 4 s: many steps, not a jump to 100.
    expect(progress.length).toBeGreaterThanOrEqual(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(Math.max(...progress)).toBeGreaterThan(50);
    expect(Math.max(...progress)).toBeLessThan(100);
    const steps = [0, ...progress, 100].slice(1).map((value, i) => value - [0, ...progress][i]);
    expect(Math.max(...steps)).toBeLessThanOrEqual(50);
  });

  it('streams a cancel as a CANCELLED status event after the task started', async () => {
    const [stream] = await openStreams();
    const task = await api.submit('csv_processing', { num_rows: 20000, processing_time: 60 });
    await stream.waitForMessage('a progress event', (message) => {
      const data = JSON.parse(message.data) as TaskEvent;
      return data.task_id === task.id && data.type === 'progress';
    });
    expect((await api.request('DELETE', `/api/tasks/${task.id}`)).status).toBe(200);
    await waitForStatusEvent(stream, task.id, ['CANCELLED']);

    const kinds = eventsOf(stream, task.id).map((event) => `${event.name}:${event.data.status}`);
    // A progress write that raced the cancel may still be published after it, from the worker;
    // the status events themselves come in order.
    expect(kinds.filter((kind) => !kind.startsWith('progress:'))).toEqual([
      'created:PENDING',
      'status:RUNNING',
      'status:CANCELLED',
    ]);
    expect(kinds.filter((kind) => kind.startsWith('progress:'))).toEqual(
      kinds.filter((kind) => kind === 'progress:RUNNING'),
    );
  });
});
