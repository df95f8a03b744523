import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

describe(`SIGTERM during a long task on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    service = await startService({ ...database.env, APP_ROLE: 'api' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('hands the task back after the grace period, and another worker completes it', async () => {
    const first = service.spawnPeer({ APP_ROLE: 'worker', SHUTDOWN_GRACE_MS: '1000' });
    const task = await api.submit('csv_processing', { num_rows: 100, processing_time: 8 });
    await api.waitForStatus(task.id, ['RUNNING']);
    const second = service.spawnPeer({ APP_ROLE: 'worker' });
    await waitFor('the second worker to register', async () => {
      const health = await api.request<{ checks: { workers: Record<string, number> } }>(
        'GET',
        '/api/health',
      );
      return health.body.checks.workers.csv_processing === 2;
    });

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(
      first
        .logs()
        .some((line) => line.task_id === task.id && String(line.msg).startsWith('handed back')),
    ).toBe(true);

    const done = await api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCESS');
    expect(done.attempts).toBe(2);
    expect(second.logs().some((line) => line.task_id === task.id && line.msg === 'succeeded')).toBe(
      true,
    );
  });
});

describe(`SIGTERM during a short task on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    service = await startService({ ...database.env, APP_ROLE: 'api' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('lets a short task finish within the grace period before exiting', async () => {
    const worker = service.spawnPeer({ APP_ROLE: 'worker', SHUTDOWN_GRACE_MS: '20000' });
    const task = await api.submit('csv_processing', { num_rows: 100, processing_time: 2 });
    await waitFor('the worker to start the task', () =>
      worker.logs().some((line) => line.task_id === task.id && line.msg === 'started'),
    );
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const done = await api.get(task.id);
    expect([done.status, done.attempts]).toEqual(['SUCCESS', 1]);
  });
});
