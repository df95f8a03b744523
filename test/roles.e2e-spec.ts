import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { listeningSocketCount } from './utils/listening-ports';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

const TASKS = 30;

describe(`one API process and two worker processes on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let workers: ServiceProcess[];
  let api: ApiClient;

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
    });
    api = new ApiClient(service.url);
    workers = [1, 2].map(() => service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '1' }));
    await waitFor('both workers to register with Redis', async () => {
      const health = await api.request<{ checks: { workers: Record<string, number> } }>(
        'GET',
        '/api/health',
      );
      return health.body.checks.workers.csv_processing === 2;
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('processes tasks in both workers, and only the API listens on a port', async () => {
    // Each task paces itself over 0.3 s, so one worker cannot drain the queue alone.
    const submitted = await Promise.all(
      Array.from({ length: TASKS }, () =>
        api.submit('csv_processing', { num_rows: 50, processing_time: 0.3 }),
      ),
    );
    const done = await Promise.all(
      submitted.map((task) => api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000)),
    );
    expect(done.every((task) => task.status === 'SUCCESS')).toBe(true);

    const startedBy = workers.map(
      (worker) =>
        new Set(
          worker
            .logs()
            .filter((line) => line.msg === 'started')
            .map((line) => line.task_id),
        ),
    );
    expect(startedBy[0].size).toBeGreaterThan(0);
    expect(startedBy[1].size).toBeGreaterThan(0);
    expect(startedBy[0].size + startedBy[1].size).toBe(TASKS);
    expect(service.process.logs().some((line) => line.msg === 'started' && 'task_id' in line)).toBe(
      false,
    );

    expect(listeningSocketCount(service.process.child.pid!)).toBeGreaterThan(0);
    for (const worker of workers) expect(listeningSocketCount(worker.child.pid!)).toBe(0);
  });

  it('stops every role cleanly on SIGTERM', async () => {
    const codes = await Promise.all([...workers, service.process].map((p) => p.stop()));
    expect(codes).toEqual([0, 0, 0]);
  });
});
