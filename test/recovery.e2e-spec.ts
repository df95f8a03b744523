import { spawnSync } from 'node:child_process';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordFaultRow, recordSettlement } from './utils/fault-report';
import { PrivateRedis } from './utils/private-redis';
import { freePort, startService, TestService } from './utils/start-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { TestSmtpServer } from './utils/test-smtp-server';
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

describe(`a job flushed from Redis while its worker still runs it, on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let redis: PrivateRedis;
  let smtp: TestSmtpServer;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    smtp = await TestSmtpServer.start();
    // The API sweeps for lost jobs; the worker, a separate process, keeps running its task.
    service = await startService({
      ...database.env,
      REDIS_URL: redis.url,
      APP_ROLE: 'api',
      SMTP_URL: smtp.url,
    });
    service.spawnPeer({ APP_ROLE: 'worker' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await redis?.destroy();
    await database.drop();
  });

  it('is not run a second time: every recipient of a long e-mail task gets exactly one message', async () => {
    // About 30 s of sending: longer than the heartbeat lapse (20 s) plus a sweep (5 s), the
    // time after which a sweeper that judged by the job alone re-enqueued the task.
    const recipients = Array.from({ length: 40 }, (_, i) => `r${i}@flush.test`);
    const task = await api.submit('email_sending', {
      recipients,
      subject: 'Hello {{email}}',
      body: 'Hi',
      delay_per_email: 0.75,
    });
    await waitFor('the first messages to arrive', () => smtp.receivedAt('flush.test').length >= 2, {
      timeoutMs: 60_000,
    });
    const flushed = spawnSync('redis-cli', ['-p', String(redis.port), 'FLUSHALL']);
    expect(flushed.stdout.toString().trim()).toBe('OK');
    const flushedAt = Date.now();
    expect(smtp.receivedAt('flush.test').length).toBeLessThan(recipients.length / 2);

    const settled = await settleTasks(
      () => readTaskRows(database, service.dataDir),
      [task.id],
      120_000,
    );
    const counts = recipients.map((to) => smtp.receivedBy(to).length);
    recordFaultRow({
      scenario: 'Redis FLUSHALL during a 30 s e-mail task (its worker alive)',
      database: TEST_DATABASE,
      tasks: 1,
      lost: settled.lost.length,
      stuck: settled.stuck.length,
      duplicated: counts.reduce((sum, count) => sum + Math.max(0, count - 1), 0),
      reExecutions: settled.reExecutions,
      recoveryMs: settled.settledAt - flushedAt,
      notes: `${counts.filter((count) => count === 1).length} of ${recipients.length} recipients received exactly once (counted by the SMTP server)`,
    });
    const done = await api.get(task.id);
    expect(done.status).toBe('SUCCESS');
    // Its worker finished it alone: the sweeper never handed it to another run.
    expect(done.attempts).toBe(1);
    expect(counts).toEqual(recipients.map(() => 1));
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
