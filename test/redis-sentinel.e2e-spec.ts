import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordSettlement } from './utils/fault-report';
import { RedisSentinelFixture, SENTINEL_MASTER_NAME } from './utils/redis-sentinel';
import { startService, TestService } from './utils/start-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

jest.setTimeout(300_000);

/** §12: Conveyor on Redis behind Sentinel (a master, a replica, three sentinels). */
describe(`Redis Sentinel (REDIS_SENTINELS) on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let sentinel: RedisSentinelFixture;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    sentinel = await RedisSentinelFixture.start();
    service = await startService({
      ...database.env,
      REDIS_URL: '',
      REDIS_SENTINELS: sentinel.sentinelsList,
      REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
    });
    api = new ApiClient(service.url);
    await waitForWorkers(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await sentinel?.destroy();
    await database.drop();
  });

  it('runs csv, e-mail and image tasks to SUCCESS and is ready', async () => {
    const tasks = [
      await api.submit('csv_processing', { num_rows: 200 }),
      await api.submit('email_sending', { num_emails: 2 }),
      await api.submit('image_processing', { num_images: 1, target_width: 32, target_height: 32 }),
    ];
    for (const task of tasks) {
      expect((await api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000)).status).toBe(
        'SUCCESS',
      );
    }
    expect((await api.request('GET', '/api/health/ready')).status).toBe(200);
  });

  it('finishes every task when the master fails and the sentinels promote the replica', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push((await api.submit('csv_processing', { num_rows: 1000, processing_time: 2 })).id);
    }
    await waitFor('a task to run', async () => (await api.get(ids[0])).status !== 'PENDING', {
      timeoutMs: 60_000,
    });
    const killedAt = Date.now();
    const former = await sentinel.killMaster();
    const promoted = await sentinel.waitForFailover(former);
    const failoverMs = Date.now() - killedAt;
    const settled = await settleTasks(() => readTaskRows(database, service.dataDir), ids, 150_000);
    recordSettlement('Redis Sentinel master SIGKILLed mid-run', settled, {
      ids,
      processes: [service.process],
      since: killedAt,
      notes: `replica on ${promoted} promoted ${(failoverMs / 1000).toFixed(1)} s after the kill`,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
  });
});
