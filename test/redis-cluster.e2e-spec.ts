import type { TaskEvent } from '../src/events/task-event';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordSettlement } from './utils/fault-report';
import { faultScale } from './utils/fault-scale';
import { RedisClusterFixture } from './utils/redis-cluster';
import { SseReader } from './utils/sse-reader';
import { freePort, startService, TestService } from './utils/start-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

// Six redis-servers and three Conveyor processes; a failover takes seconds on a loaded machine.
jest.setTimeout(300_000);

const RATE_LIMITED_PER_MINUTE = 20;

/** §12: an API and a worker on a real Redis Cluster (3 masters, 3 replicas). */
describe(`Redis Cluster (REDIS_CLUSTER_NODES) on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let cluster: RedisClusterFixture;
  let service: TestService;
  let api: ApiClient;
  let limitedApiUrl: string;
  let queueSlotKey: string;
  const readers: SseReader[] = [];

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      REDIS_URL: '',
      REDIS_CLUSTER_NODES: cluster.nodesList,
    });
    // The prefix a cluster gets: the suite's own, in a hash tag.
    queueSlotKey = `{${service.env.QUEUE_PREFIX}}`;
    service.spawnPeer({ APP_ROLE: 'worker' });
    const limitedPort = await freePort();
    service.spawnPeer({
      APP_ROLE: 'api',
      PORT: String(limitedPort),
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMITED_PER_MINUTE),
    });
    limitedApiUrl = `http://127.0.0.1:${limitedPort}`;
    api = new ApiClient(service.url);
    await waitForWorkers(service.url);
    await waitFor(
      'the rate-limited API instance',
      async () => (await fetch(`${limitedApiUrl}/api/health/live`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  });

  afterAll(async () => {
    for (const reader of readers) reader.close();
    await service?.stop();
    await cluster?.destroy();
    await database.drop();
  });

  it('is live and ready, with SQL, Redis and storage up', async () => {
    const live = await api.request('GET', '/api/health/live');
    expect(live.status).toBe(200);
    const ready = await api.request<{ status: string; checks: Record<string, { status: string }> }>(
      'GET',
      '/api/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(Object.values(ready.body.checks).map((check) => check.status)).toEqual([
      'up',
      'up',
      'up',
    ]);
  });

  it('runs csv, e-mail and image tasks to SUCCESS, their events arriving on the stream', async () => {
    const reader = await SseReader.open(`${service.url}/api/events`);
    readers.push(reader);
    const tasks = [
      await api.submit('csv_processing', { num_rows: 200 }),
      await api.submit('email_sending', { num_emails: 3 }),
      await api.submit('image_processing', { num_images: 2, target_width: 64, target_height: 64 }),
    ];
    for (const task of tasks) {
      expect((await api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000)).status).toBe(
        'SUCCESS',
      );
      await reader.waitForMessage(`the SUCCESS event of ${task.id}`, (message) => {
        if (message.event !== 'status') return false;
        const data = JSON.parse(message.data) as TaskEvent;
        return data.task_id === task.id && data.status === 'SUCCESS';
      });
    }
  });

  it('cancels a RUNNING task: the cancel reaches the worker over the cluster', async () => {
    const task = await api.submit('csv_processing', { num_rows: 200_000, processing_time: 120 });
    await waitFor(
      'the task to make progress while RUNNING',
      async () => {
        const current = await api.get(task.id);
        return current.status === 'RUNNING' && current.progress > 5;
      },
      { timeoutMs: 60_000 },
    );
    const answer = await api.request('DELETE', `/api/tasks/${task.id}`);
    expect(answer.status).toBe(200);
    expect((await api.waitForStatus(task.id, ['CANCELLED'], 30_000)).status).toBe('CANCELLED');
  });

  it('loses nothing and leaves nothing stuck when the master of the queues’ slot fails mid-run', async () => {
    const count = faultScale(60, 16);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const type = i % 4 === 3 ? 'email_sending' : 'csv_processing';
      const params =
        type === 'csv_processing' ? { num_rows: 2000, processing_time: 2 } : { num_emails: 2 };
      ids.push((await api.submit(type, params)).id);
    }
    await waitFor('some tasks to run', async () => (await api.get(ids[0])).status !== 'PENDING', {
      timeoutMs: 60_000,
    });
    const killedAt = Date.now();
    const formerMaster = await cluster.killMasterOf(queueSlotKey);
    const promoted = await cluster.waitForFailover(queueSlotKey, formerMaster);
    const failoverMs = Date.now() - killedAt;
    // Submits keep working on the promoted replica.
    for (let i = 0; i < 4; i++) ids.push((await api.submit('csv_processing', { num_rows: 50 })).id);
    // The event stream opened before the failover still carries events: the bus resubscribed.
    const afterFailover = ids[ids.length - 1];
    await readers[0].waitForMessage(
      `the SUCCESS event of ${afterFailover}, submitted after the failover`,
      (message) => {
        if (message.event !== 'status') return false;
        const data = JSON.parse(message.data) as TaskEvent;
        return data.task_id === afterFailover && data.status === 'SUCCESS';
      },
      120_000,
    );

    const settled = await settleTasks(
      () => readTaskRows(database, service.dataDir),
      ids,
      faultScale(240_000, 150_000),
    );
    recordSettlement('Redis Cluster master of the queues SIGKILLed mid-run', settled, {
      ids,
      processes: [service.process],
      since: killedAt,
      notes: `replica on ${promoted} took over ${(failoverMs / 1000).toFixed(1)} s after the kill; ${settled.notSucceeded.length} not SUCCESS`,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
    // Still ready on the cluster as it is now.
    await waitFor(
      'readiness on the promoted master',
      async () => (await api.request('GET', '/api/health/ready')).status === 200,
      { timeoutMs: 30_000 },
    );
  });

  // Last: the refusals block the client's address for the minute on every instance.
  it('holds the rate limit in the cluster: 429 with Retry-After past RATE_LIMIT_PER_MINUTE', async () => {
    const answers = [];
    for (let i = 0; i < RATE_LIMITED_PER_MINUTE + 10; i++) {
      answers.push(await fetch(`${limitedApiUrl}/api/tasks`));
    }
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
