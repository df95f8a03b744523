import type { WorkerResponse } from '../src/workers/worker.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { PrivateRedis } from './utils/private-redis';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

const ADMIN_KEY = adminApiKey();
const TTL_SECONDS = 3;

describe(`GET /api/workers with one API and two worker processes on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let first: ServiceProcess;
  let second: ServiceProcess;
  let root: ApiClient;
  let alphaOperator: CreatedKey;
  let alphaViewer: CreatedKey;
  let betaViewer: CreatedKey;

  const workersAs = async (api: ApiClient): Promise<WorkerResponse[]> => {
    const answer = await api.request<{ workers: WorkerResponse[] }>('GET', '/api/workers');
    if (answer.status !== 200)
      throw new Error(`GET /api/workers answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body.workers;
  };
  const pidsAs = async (api: ApiClient): Promise<number[]> =>
    (await workersAs(api)).map((worker) => worker.pid).sort((a, b) => a - b);

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: ADMIN_KEY,
      WORKER_HEARTBEAT_TTL_SECONDS: String(TTL_SECONDS),
    });
    root = new ApiClient(service.url, bearer(ADMIN_KEY));
    first = service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '1', IMAGE_CONCURRENCY: '3' });
    second = service.spawnPeer({
      APP_ROLE: 'worker',
      CSV_CONCURRENCY: '2',
      EMAIL_CONCURRENCY: '5',
    });
    const key = (name: string, role: 'viewer' | 'operator', project: string) =>
      createKey(service.url, ADMIN_KEY, { name, role, project });
    [alphaOperator, alphaViewer, betaViewer] = await Promise.all([
      key('alpha-op', 'operator', 'alpha'),
      key('alpha-view', 'viewer', 'alpha'),
      key('beta-view', 'viewer', 'beta'),
    ]);
    await waitFor('both workers to register', async () => (await workersAs(root)).length === 2, {
      timeoutMs: 60_000,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('answers 401 without a key and lets a viewer read', async () => {
    const anonymous = await new ApiClient(service.url).request<{ detail: string }>(
      'GET',
      '/api/workers',
    );
    expect(anonymous.status).toBe(401);
    expect(typeof anonymous.body.detail).toBe('string');
    expect(await pidsAs(alphaViewer.api)).toHaveLength(2);
  });

  it('is described in the OpenAPI document', async () => {
    const docs = await root.request<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    }>('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    expect(docs.body.paths).toHaveProperty('/api/workers');
    expect(Object.keys(docs.body.components.schemas.WorkerResponse?.properties ?? {})).toEqual(
      expect.arrayContaining(['host', 'pid', 'running_task_ids', 'last_heartbeat']),
    );
  });

  it('lists each worker process with its host, pid, task types and concurrency', async () => {
    const workers = await workersAs(root);
    const byPid = new Map(workers.map((worker) => [worker.pid, worker]));
    const one = byPid.get(first.child.pid!);
    const two = byPid.get(second.child.pid!);
    expect(one?.concurrency).toEqual({ csv_processing: 1, email_sending: 4, image_processing: 3 });
    expect(two?.concurrency).toEqual({ csv_processing: 2, email_sending: 5, image_processing: 2 });
    for (const worker of [one!, two!]) {
      expect(worker.task_types.sort()).toEqual([
        'csv_processing',
        'email_sending',
        'image_processing',
      ]);
      expect(worker.host.length).toBeGreaterThan(0);
      expect(worker.running_task_ids).toEqual([]);
      expect(worker.running_count).toBe(0);
      expect(Date.parse(worker.last_heartbeat)).toBeGreaterThanOrEqual(
        Date.parse(worker.started_at),
      );
    }
    expect(service.process.child.pid).not.toBe(one?.pid);
  });

  it("shows a running task's id to its project and to admins of *, and only a count to others", async () => {
    const task = await alphaOperator.api.submit('csv_processing', {
      num_rows: 20,
      processing_time: 60,
    });
    const runner = await waitFor(`task ${task.id} to show as running`, async () =>
      (await workersAs(alphaViewer.api)).find((worker) =>
        worker.running_task_ids.includes(task.id),
      ),
    );
    expect(runner.running_count).toBe(1);
    const asAdmin = (await workersAs(root)).find((worker) => worker.id === runner.id);
    expect(asAdmin?.running_task_ids).toEqual([task.id]);
    const asOtherProject = (await workersAs(betaViewer.api)).find(
      (worker) => worker.id === runner.id,
    );
    expect(asOtherProject?.running_task_ids).toEqual([]);
    expect(asOtherProject?.running_count).toBe(1);

    const cancel = await alphaOperator.api.request('DELETE', `/api/tasks/${task.id}`);
    expect(cancel.status).toBe(200);
    await waitFor(`task ${task.id} to leave the worker's list`, async () => {
      const worker = (await workersAs(root)).find((each) => each.id === runner.id);
      return worker !== undefined && worker.running_count === 0;
    });
  });

  it('drops a worker at once when it stops cleanly on SIGTERM', async () => {
    expect(await first.stop()).toBe(0);
    expect(await pidsAs(root)).toEqual([second.child.pid]);
  });

  it('drops a worker that was killed once its heartbeat expires', async () => {
    await second.kill();
    // SIGKILL leaves no chance to deregister: only the expired heartbeat removes it.
    await waitFor('the killed worker to drop out', async () => (await pidsAs(root)).length === 0, {
      timeoutMs: TTL_SECONDS * 1000 + 15_000,
      intervalMs: 200,
    });
  });
});

describe(`GET /api/workers while Redis is away on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let redis: PrivateRedis;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    service = await startService({
      ...database.env,
      REDIS_URL: redis.url,
      WORKER_HEARTBEAT_TTL_SECONDS: String(TTL_SECONDS),
    });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await redis?.destroy();
    await database.drop();
  });

  it('answers 503 saying why, and lists the worker again once Redis is back', async () => {
    const listed = () => api.request<{ workers: WorkerResponse[] }>('GET', '/api/workers');
    await waitFor('the worker of the all-role process to register', async () => {
      const answer = await listed();
      return answer.status === 200 && answer.body.workers.length === 1;
    });

    await redis.stop();
    const away = await waitFor('GET /api/workers to notice Redis is away', async () => {
      const answer = await api.request<{ detail: string }>('GET', '/api/workers');
      return answer.status === 503 ? answer : undefined;
    });
    expect(away.body.detail).toMatch(/Redis/);

    // The new Redis is empty: only the worker's next heartbeat brings it back to the list.
    await redis.resume();
    await waitFor(
      'the worker to register again',
      async () => {
        const answer = await listed();
        return answer.status === 200 && answer.body.workers[0]?.pid === service.process.child.pid;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  });
});
