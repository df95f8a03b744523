import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { parsePrometheusText, PromText, sumOf } from './utils/prometheus-text';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

const ADMIN_KEY = adminApiKey();
const METRICS_TOKEN = adminApiKey();
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe(`GET /api/metrics with one API and two worker processes on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let workers: ServiceProcess[];
  let root: ApiClient;
  let alphaViewer: CreatedKey;
  let alphaOperator: CreatedKey;

  const scrape = async (headers = bearer(METRICS_TOKEN)): Promise<PromText> => {
    const response = await fetch(`${service.url}/api/metrics`, { headers });
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`GET /api/metrics answered ${response.status}: ${text}`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return parsePrometheusText(text);
  };

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: ADMIN_KEY,
      METRICS_TOKEN,
      WORKER_HEARTBEAT_TTL_SECONDS: '5',
    });
    root = new ApiClient(service.url, bearer(ADMIN_KEY));
    // One CSV task at a time per worker, so a batch of them is shared between the two.
    workers = [1, 2].map(() => service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '1' }));
    [alphaViewer, alphaOperator] = await Promise.all([
      createKey(service.url, ADMIN_KEY, { name: 'alpha-view', role: 'viewer', project: 'alpha' }),
      createKey(service.url, ADMIN_KEY, { name: 'alpha-op', role: 'operator', project: 'alpha' }),
    ]);
    await waitFor(
      'conveyor_workers to count both worker processes',
      async () => sumOf(await scrape(), 'conveyor_workers', { task_type: 'csv_processing' }) === 2,
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('answers 401 without a key or with a wrong token, and 403 to a key of one project', async () => {
    const anonymous = await fetch(`${service.url}/api/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(typeof ((await anonymous.json()) as { detail: unknown }).detail).toBe('string');

    const wrong = await fetch(`${service.url}/api/metrics`, {
      headers: bearer(`${METRICS_TOKEN.slice(0, -1)}x`),
    });
    expect(wrong.status).toBe(401);

    const projectViewer = await alphaViewer.api.request<{ detail: string }>('GET', '/api/metrics');
    expect(projectViewer.status).toBe(403);
    expect(projectViewer.body.detail).toMatch(/METRICS_TOKEN or a key of project \*/);
  });

  it('is read with METRICS_TOKEN as a bearer, or with an admin key of every project', async () => {
    expect((await scrape()).types.get('conveyor_tasks')).toBe('gauge');
    expect((await scrape(bearer(ADMIN_KEY))).types.get('conveyor_workers')).toBe('gauge');
  });

  it('names every family of the contract with its type', async () => {
    const text = await scrape();
    expect(
      Object.fromEntries([...text.types].filter(([name]) => name.startsWith('conveyor_'))),
    ).toEqual({
      conveyor_tasks: 'gauge',
      conveyor_tasks_submitted_total: 'counter',
      conveyor_tasks_finished_total: 'counter',
      conveyor_task_duration_seconds: 'histogram',
      conveyor_queue_waiting: 'gauge',
      conveyor_workers: 'gauge',
      conveyor_sql_retries_total: 'counter',
      conveyor_http_request_duration_seconds: 'histogram',
    });
    // Node's default metrics of every process: the API and both workers.
    const lagOf = (role: string): number =>
      text.samples.filter(
        (sample) => sample.name === 'nodejs_eventloop_lag_seconds' && sample.labels.role === role,
      ).length;
    expect(lagOf('api')).toBe(1);
    expect(lagOf('worker')).toBe(2);
    expect(sumOf(text, 'conveyor_workers', { task_type: 'image_processing' })).toBe(2);
  });

  it('has every series the shipped Grafana dashboard queries', async () => {
    const dashboard = readFileSync(join(__dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8');
    const queried = new Set(dashboard.match(/\b(?:conveyor|process|nodejs)_[a-z0-9_]+/g) ?? []);
    expect(queried.size).toBeGreaterThan(8);
    const text = await scrape();
    const known = (name: string): boolean =>
      text.types.has(name.replace(/_(bucket|count|sum)$/, '')) ||
      text.samples.some((sample) => sample.name === name);
    expect([...queried].filter((name) => !known(name))).toEqual([]);
  });

  it('moves with the work done on both workers', async () => {
    const before = await scrape();
    const csv = { task_type: 'csv_processing' };
    const count = (text: PromText) => ({
      submitted: sumOf(text, 'conveyor_tasks_submitted_total', csv),
      finished: sumOf(text, 'conveyor_tasks_finished_total', { ...csv, status: 'SUCCESS' }),
      durations: sumOf(text, 'conveyor_task_duration_seconds_count', csv),
      succeeded: sumOf(text, 'conveyor_tasks', { ...csv, status: 'SUCCESS' }),
    });
    const start = count(before);
    const runs = 6;
    const tasks = await Promise.all(
      Array.from({ length: runs }, () =>
        alphaOperator.api.submit('csv_processing', { num_rows: 200, processing_time: 1 }),
      ),
    );
    for (const task of tasks) await root.waitForStatus(task.id, ['SUCCESS'], 60_000);

    const after = await waitFor(
      'the counters of both workers to reach the API',
      async () => {
        const text = await scrape();
        const now = count(text);
        return now.finished - start.finished >= runs && now.durations - start.durations >= runs
          ? text
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const end = count(after);
    expect(end.submitted - start.submitted).toBe(runs);
    expect(end.finished - start.finished).toBe(runs);
    expect(end.durations - start.durations).toBe(runs);
    expect(end.succeeded - start.succeeded).toBe(runs);
    // Each worker ran some of them, and says so under its own process label.
    const byProcess = after.samples.filter(
      (sample) =>
        sample.name === 'conveyor_tasks_finished_total' &&
        sample.labels.task_type === 'csv_processing' &&
        sample.labels.role === 'worker' &&
        sample.value > 0,
    );
    expect(new Set(byProcess.map((sample) => sample.labels.process)).size).toBe(2);
    const durationBuckets = after.samples.filter(
      (sample) =>
        sample.name === 'conveyor_task_duration_seconds_bucket' && sample.labels.le === '+Inf',
    );
    expect(durationBuckets.reduce((sum, sample) => sum + sample.value, 0)).toBeGreaterThanOrEqual(
      runs,
    );
  });

  it('labels HTTP requests by route template, never by a task id', async () => {
    const task = await alphaOperator.api.submit('csv_processing', { num_rows: 10 });
    await alphaViewer.api.get(task.id);
    const text = await waitFor(
      'the request to be counted',
      async () => {
        const scraped = await scrape();
        return sumOf(scraped, 'conveyor_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/api/tasks/:id',
          status: '200',
        }) > 0
          ? scraped
          : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 500 },
    );
    const labelValues = text.samples.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.filter((value) => UUID.test(value))).toEqual([]);
    expect(
      sumOf(text, 'conveyor_http_request_duration_seconds_count', { status: '401' }),
    ).toBeGreaterThan(0);
  });

  it('counts a queue that waits', async () => {
    await root.request('POST', '/api/queues/image_processing/pause');
    try {
      await alphaOperator.api.submit('image_processing', { num_images: 1 });
      await waitFor(
        'conveyor_queue_waiting to count the held job',
        async () =>
          sumOf(await scrape(), 'conveyor_queue_waiting', { task_type: 'image_processing' }) === 1,
        { timeoutMs: 15_000, intervalMs: 500 },
      );
    } finally {
      await root.request('POST', '/api/queues/image_processing/resume');
    }
  });

  it('drops a worker that stops from conveyor_workers', async () => {
    await workers[1].stop();
    await waitFor(
      'conveyor_workers to count one worker',
      async () => sumOf(await scrape(), 'conveyor_workers', { task_type: 'csv_processing' }) === 1,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });
});

describe(`GET /api/metrics in open mode on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;

  beforeAll(async () => {
    service = await startService({ ...database.env, AUTH_MODE: 'open' });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('answers without a key, as every route does in open mode', async () => {
    const response = await fetch(`${service.url}/api/metrics`);
    expect(response.status).toBe(200);
    const text = parsePrometheusText(await response.text());
    expect(text.types.get('conveyor_tasks_submitted_total')).toBe('counter');
    expect(text.types.get('process_cpu_user_seconds_total')).toBe('counter');
  });
});
