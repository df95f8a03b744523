import type { TaskResponse, TaskStats } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

interface QueueState {
  task_type: string;
  paused: boolean;
  waiting: number;
  scheduled: number;
  running: number;
  workers: number;
}

interface Problem {
  loc: (string | number)[];
  msg: string;
}

const SMALL_CSV = { num_rows: 10 };

/**
 * §9 priorities and delayed starts, on the real service: an API process (which runs the pass
 * moving due SCHEDULED tasks to PENDING) and a separate worker process running one CSV task at
 * a time, so that the order in which tasks start is the order the queue hands them out.
 */
describe(`control of work: priorities and delayed starts (${TEST_DATABASE})`, () => {
  let database: DatabaseEnv;
  let service: TestService;
  let api: ApiClient;
  let worker: ServiceProcess;

  const startWorker = (): ServiceProcess =>
    service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '1' });

  const csvQueue = async (): Promise<QueueState> => {
    const answer = await api.request<QueueState[]>('GET', '/api/queues');
    expect(answer.status).toBe(200);
    return answer.body.find((queue) => queue.task_type === 'csv_processing') as QueueState;
  };

  const submit = async (body: Record<string, unknown>): Promise<TaskResponse> => {
    const answer = await api.request<TaskResponse>('POST', '/api/tasks/submit', {
      task_type: 'csv_processing',
      input_params: SMALL_CSV,
      ...body,
    });
    if (answer.status !== 200) {
      throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  };

  const workerConnected = (count: number) =>
    waitFor(
      `${count} worker(s) on the CSV queue`,
      async () => (await csvQueue()).workers === count,
      {
        timeoutMs: 60_000,
        intervalMs: 100,
      },
    );

  beforeAll(async () => {
    database = isolatedDatabase();
    service = await startService({ ...database.env, APP_ROLE: 'api' });
    api = new ApiClient(service.url);
    worker = startWorker();
    await workerConnected(1);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('refuses bad priorities, start times and filters with a 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ priority: 11 }, 'priority', /priority must be an integer from 0 to 10/],
      [{ priority: -1 }, 'priority', /from 0 to 10/],
      [{ priority: 2.5 }, 'priority', /from 0 to 10/],
      [{ priority: 'high' }, 'priority', /from 0 to 10/],
      [{ delay_seconds: -1 }, 'delay_seconds', /from 0 to 31536000 \(365 days\)/],
      [{ delay_seconds: 31_536_001 }, 'delay_seconds', /365 days/],
      [{ delay_seconds: 1.5 }, 'delay_seconds', /integer/],
      [{ run_at: 'tomorrow' }, 'run_at', /ISO-8601 date and time with a time zone/],
      [{ run_at: '2030-01-31T12:00:00' }, 'run_at', /with a time zone/],
      [{ run_at: '2030-02-30T12:00:00Z' }, 'run_at', /ISO-8601/],
      [{ run_at: 1_900_000_000 }, 'run_at', /ISO-8601/],
      [
        { run_at: new Date(Date.now() + 366 * 86_400_000).toISOString() },
        'run_at',
        /at most 365 days ahead/,
      ],
      [
        { run_at: new Date(Date.now() + 60_000).toISOString(), delay_seconds: 60 },
        'delay_seconds',
        /run_at or delay_seconds, not both/,
      ],
    ];
    for (const [body, field, message] of cases) {
      const answer = await api.request<{ detail: Problem[] }>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        ...body,
      });
      expect([JSON.stringify(body), answer.status]).toEqual([JSON.stringify(body), 422]);
      const problem = answer.body.detail.find((p) => p.loc.join('.') === `body.${field}`);
      expect(problem?.msg).toMatch(message);
    }
    const listed = await api.request<{ detail: Problem[] }>('GET', '/api/tasks/?priority=11');
    expect(listed.status).toBe(422);
    expect(listed.body.detail[0]).toMatchObject({ loc: ['query', 'priority'] });
    // None of them left a row.
    const all = await api.request<{ total: number }>('GET', '/api/tasks/');
    expect(all.body.total).toBe(0);
  });

  it('starts the waiting tasks of a type by priority, larger first, in submission order within one', async () => {
    const paused = await api.request('POST', '/api/queues/csv_processing/pause');
    expect(paused.status).toBe(200);
    const priorities = [0, 5, 10, 3, null, 10, 7, 0, 9];
    const submitted: TaskResponse[] = [];
    for (const priority of priorities) {
      submitted.push(await submit(priority === null ? {} : { priority }));
    }
    expect(submitted.map((task) => task.priority)).toEqual(priorities.map((p) => p ?? 5));
    expect(submitted.every((task) => task.status === 'PENDING' && task.run_at === null)).toBe(true);
    await waitFor(
      'every task waiting in the paused queue',
      async () => (await csvQueue()).waiting === priorities.length,
    );
    expect((await api.request('POST', '/api/queues/csv_processing/resume')).status).toBe(200);

    const done: TaskResponse[] = [];
    for (const task of submitted) done.push(await api.waitForStatus(task.id, ['SUCCESS'], 60_000));
    const startOrder = [...done].sort(
      (a, b) => Date.parse(a.started_at as string) - Date.parse(b.started_at as string),
    );
    const expected = submitted
      .map((task, index) => ({ task, index }))
      .sort((a, b) => b.task.priority - a.task.priority || a.index - b.index)
      .map(({ task }) => task.id);
    expect(startOrder.map((task) => task.id)).toEqual(expected);
    expect(startOrder.map((task) => task.priority)).toEqual([10, 10, 9, 7, 5, 5, 3, 0, 0]);
  });

  it('filters the list by priority, with the exact total', async () => {
    const answer = await api.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?priority=10',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.total).toBe(2);
    expect(answer.body.tasks.map((task) => task.priority)).toEqual([10, 10]);
    const none = await api.request<{ total: number }>('GET', '/api/tasks/?priority=1');
    expect(none.body.total).toBe(0);
  });

  it('keeps a delayed task SCHEDULED until run_at, counted and listed as such, and never starts it early', async () => {
    const before = Date.now();
    const task = await submit({ delay_seconds: 3, priority: 8 });
    const after = Date.now();
    expect(task.status).toBe('SCHEDULED');
    const runAt = Date.parse(task.run_at as string);
    expect(runAt).toBeGreaterThanOrEqual(before + 3000);
    expect(runAt).toBeLessThanOrEqual(after + 3000);

    const stats = await api.request<TaskStats>('GET', '/api/tasks/stats');
    expect(stats.body.counts.SCHEDULED).toBe(1);
    const listed = await api.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?status=SCHEDULED',
    );
    expect(listed.body.total).toBe(1);
    expect(listed.body.tasks.map((t) => t.id)).toEqual([task.id]);
    expect((await csvQueue()).scheduled).toBe(1);

    const done = await api.waitForStatus(task.id, ['SUCCESS'], 30_000);
    expect(Date.parse(done.started_at as string)).toBeGreaterThanOrEqual(runAt);
    expect(done.run_at).toBe(task.run_at);
    expect(done.priority).toBe(8);
    const settled = await api.request<TaskStats>('GET', '/api/tasks/stats');
    expect(settled.body.counts.SCHEDULED).toBe(0);
  });

  it('reads PENDING once due with no worker running, and is not lost across a worker restart', async () => {
    const runAt = new Date(Date.now() + 4_000).toISOString();
    const task = await submit({ run_at: runAt });
    expect(task.status).toBe('SCHEDULED');
    expect(task.run_at).toBe(runAt);

    await worker.stop();
    await workerConnected(0);
    const due = await api.waitForStatus(task.id, ['PENDING'], 30_000);
    expect(due.started_at).toBeNull();
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(runAt));

    worker = startWorker();
    const done = await api.waitForStatus(task.id, ['SUCCESS'], 60_000);
    expect(Date.parse(done.started_at as string)).toBeGreaterThanOrEqual(Date.parse(runAt));
    expect(done.attempts).toBe(1);
  });

  it('cancels a SCHEDULED task and removes its delayed job', async () => {
    await workerConnected(1);
    const task = await submit({ delay_seconds: 3600 });
    await waitFor('its delayed job', async () => (await csvQueue()).scheduled === 1);
    const cancelled = await api.request('DELETE', `/api/tasks/${task.id}`);
    expect(cancelled.status).toBe(200);
    expect((await api.get(task.id)).status).toBe('CANCELLED');
    expect((await csvQueue()).scheduled).toBe(0);
    const again = await api.request<{ detail: string }>('DELETE', `/api/tasks/${task.id}`);
    expect(again.status).toBe(400);
  });

  it('runs a task whose run_at has passed at once, and one of delay_seconds 0', async () => {
    const past = await submit({ run_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe('PENDING');
    expect(past.run_at).toBe('2020-01-01T00:00:00.000Z');
    const now = await submit({ delay_seconds: 0 });
    expect(now.status).toBe('PENDING');
    for (const task of [past, now]) await api.waitForStatus(task.id, ['SUCCESS'], 30_000);
  });
});
