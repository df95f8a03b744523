import {
  byStartThenId,
  heartbeatIntervalMs,
  parseWorkerRecord,
  viewOfWorker,
  WorkerRecord,
} from './worker-record';

const record: WorkerRecord = {
  id: 'host-a:101:abc123',
  host: 'host-a',
  pid: 101,
  taskTypes: ['csv_processing', 'email_sending', 'image_processing'],
  concurrency: { csv_processing: 4, email_sending: 2, image_processing: 1 },
  running: [
    { id: 'task-of-alpha', project: 'alpha' },
    { id: 'task-of-beta', project: 'beta' },
  ],
  startedAt: '2026-01-01T10:00:00.000Z',
  lastHeartbeat: '2026-01-01T10:05:00.000Z',
};

describe('viewOfWorker', () => {
  it('shows a project-bound caller only its own running task ids, and counts them all', () => {
    const view = viewOfWorker(record, 'alpha');
    expect(view.running_task_ids).toEqual(['task-of-alpha']);
    expect(view.running_count).toBe(2);
  });

  it('shows every running task id to a caller of every project', () => {
    expect(viewOfWorker(record, undefined).running_task_ids).toEqual([
      'task-of-alpha',
      'task-of-beta',
    ]);
  });

  it('names the fields as the rest of the API does', () => {
    expect(viewOfWorker(record, 'gamma')).toEqual({
      id: record.id,
      host: 'host-a',
      pid: 101,
      task_types: record.taskTypes,
      concurrency: record.concurrency,
      running_task_ids: [],
      running_count: 2,
      started_at: record.startedAt,
      last_heartbeat: record.lastHeartbeat,
    });
  });
});

describe('parseWorkerRecord', () => {
  it('reads back what a worker wrote', () => {
    expect(parseWorkerRecord(JSON.stringify(record))).toEqual(record);
  });

  it.each([null, 'not json', '{}', JSON.stringify({ ...record, pid: '101' }), 'null'])(
    'skips %p instead of failing the list',
    (text) => {
      expect(parseWorkerRecord(text)).toBeUndefined();
    },
  );
});

describe('heartbeatIntervalMs', () => {
  it('beats three times per TTL, at most once a second', () => {
    expect(heartbeatIntervalMs(30_000)).toBe(10_000);
    expect(heartbeatIntervalMs(3_000)).toBe(1_000);
    expect(heartbeatIntervalMs(1_500)).toBe(1_000);
  });
});

describe('byStartThenId', () => {
  it('puts the oldest process first and breaks ties by id', () => {
    const a = viewOfWorker(
      { ...record, id: 'b', startedAt: '2026-01-01T09:00:00.000Z' },
      undefined,
    );
    const b = viewOfWorker({ ...record, id: 'a' }, undefined);
    const c = viewOfWorker({ ...record, id: 'c' }, undefined);
    expect([c, b, a].sort(byStartThenId).map((view) => view.id)).toEqual(['b', 'a', 'c']);
  });
});
