import { spawnSync } from 'node:child_process';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordSettlement } from './utils/fault-report';
import { PrivateRedis } from './utils/private-redis';
import { freePort, startService, TestService } from './utils/start-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';
import type { TaskResponse } from '../src/tasks/dto/task.response';

/** Redis faults need a Redis of the suite's own: the machine's shared one is never touched. */
describe(`recovery from lost jobs on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let redis: PrivateRedis;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    service = await startService({ ...database.env, REDIS_URL: redis.url });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
    await database.drop();
  });

  it('accepts a 10 s burst of submits while Redis is down and runs them all once it is back', async () => {
    await redis.stop();
    const tasks: TaskResponse[] = [];
    const latencies: number[] = [];
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      // Ten clients at a time; every submit must be answered 200 without waiting on Redis.
      const batch = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const started = Date.now();
          const task = await api.submit('csv_processing', { num_rows: 20 });
          latencies.push(Date.now() - started);
          return task;
        }),
      );
      tasks.push(...batch);
    }
    expect(tasks.length).toBeGreaterThanOrEqual(20);
    // A submit that waited on Redis would hang until it came back, 10 s later: far above this.
    expect(Math.max(...latencies)).toBeLessThan(5000);
    expect((await api.get(tasks[0].id)).status).toBe('PENDING');
    await redis.resume();
    const resumedAt = Date.now();
    const ids = tasks.map((task) => task.id);
    const settled = await settleTasks(() => readTaskRows(database, service.dataDir), ids, 90_000);
    recordSettlement('Redis stopped 10 s during a submit burst', settled, {
      ids: ids,
      processes: [service.process],
      since: resumedAt,
      notes: `every submit 200, slowest ${Math.max(...latencies)} ms; ${settled.notSucceeded.length} not SUCCESS`,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
  });

  it('finishes every task after FLUSHALL wipes the queues mid-run', async () => {
    const tasks = [];
    for (let i = 0; i < 8; i++)
      tasks.push(await api.submit('csv_processing', { num_rows: 50, processing_time: 1 }));
    await api.waitForStatus(tasks[0].id, ['RUNNING']);
    const flushed = spawnSync('redis-cli', ['-p', String(redis.port), 'FLUSHALL']);
    const flushedAt = Date.now();
    expect(flushed.stdout.toString().trim()).toBe('OK');
    const ids = tasks.map((task) => task.id);
    const settled = await settleTasks(() => readTaskRows(database, service.dataDir), ids, 90_000);
    recordSettlement('Redis FLUSHALL mid-run', settled, {
      ids: ids,
      processes: [service.process],
      since: flushedAt,
      notes: `${settled.notSucceeded.length} not SUCCESS`,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
  });
});

describe(`an API killed between the insert and the enqueue, on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;

  beforeAll(async () => {
    // This instance dies by SIGKILL right after it inserts a submitted task's row.
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      CONVEYOR_TEST_FAULT: 'exit-after-insert',
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('runs the task anyway once an API instance is back', async () => {
    await expect(
      new ApiClient(service.url).submit('csv_processing', { num_rows: 10 }),
    ).rejects.toThrow();
    expect(await service.process.exited).toBeNull();

    const port = await freePort();
    const restartedAt = Date.now();
    const healthy = service.spawnPeer({
      APP_ROLE: 'all',
      PORT: String(port),
      CONVEYOR_TEST_FAULT: '',
    });
    const api = new ApiClient(`http://127.0.0.1:${port}`);
    const [orphan] = await waitFor('the healthy API to answer', async () => {
      const list = await api.request<{ tasks: TaskResponse[] }>('GET', '/api/tasks/');
      return list.status === 200 ? list.body.tasks : undefined;
    });
    expect(orphan).toMatchObject({ status: 'PENDING', task_type: 'csv_processing' });
    const settled = await settleTasks(
      () => readTaskRows(database, service.dataDir),
      [orphan.id],
      60_000,
    );
    recordSettlement('API SIGKILLed between the insert and the enqueue', settled, {
      ids: [orphan.id],
      processes: [healthy],
      since: restartedAt,
      notes: 'recovery counted from the start of a healthy API instance',
    });
    expect(settled.rows.map((row) => row.status)).toEqual(['SUCCESS']);
  });
});
