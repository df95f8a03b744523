import { randomUUID } from 'node:crypto';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiAnswer, ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { freePort, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}
interface QueueState {
  task_type: string;
  waiting: number;
}
interface TaskList {
  tasks: TaskResponse[];
  total: number;
}

const csv = (rows: number) => ({ task_type: 'csv_processing', input_params: { num_rows: rows } });

/**
 * §10 on two API instances sharing one database and Redis: Idempotency-Key on submit and bulk
 * submit, and bulk submits all or nothing. No worker runs until the last test, so that a job
 * enqueued by mistake would still be waiting in its queue.
 */
describe(`bulk submit and idempotency keys on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  const adminKey = adminApiKey();
  let service: TestService;
  let admin: ApiClient;
  let alpha: CreatedKey;
  let beta: CreatedKey;
  /** alpha's key on the second API instance. */
  let alphaOnSecond: ApiClient;

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: adminKey,
    });
    const port = await freePort();
    service.spawnPeer({ APP_ROLE: 'api', PORT: String(port) });
    const secondUrl = `http://127.0.0.1:${port}`;
    await waitFor('the second API instance to answer', async () => {
      const response = await fetch(`${secondUrl}/api/health`).catch(() => undefined);
      return response?.status === 200;
    });
    admin = new ApiClient(service.url, bearer(adminKey));
    alpha = await createKey(service.url, adminKey, {
      name: 'alpha',
      role: 'operator',
      project: 'alpha',
    });
    beta = await createKey(service.url, adminKey, {
      name: 'beta',
      role: 'operator',
      project: 'beta',
    });
    alphaOnSecond = new ApiClient(secondUrl, bearer(alpha.key));
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  const total = async (client: ApiClient, query = ''): Promise<number> => {
    const answer = await client.request<TaskList>('GET', `/api/tasks/?limit=1${query}`);
    expect(answer.status).toBe(200);
    return answer.body.total;
  };
  const waiting = async (): Promise<number> => {
    const answer = await admin.request<QueueState[]>('GET', '/api/queues');
    expect(answer.status).toBe(200);
    return answer.body.reduce((sum, queue) => sum + queue.waiting, 0);
  };
  const submit = (client: ApiClient, body: unknown, key?: string) =>
    client.request<TaskResponse>(
      'POST',
      '/api/tasks/submit',
      body,
      key === undefined ? {} : { 'idempotency-key': key },
    );
  const bulk = (client: ApiClient, tasks: unknown[], key?: string) =>
    client.request<{ tasks: TaskResponse[] }>(
      'POST',
      '/api/tasks/bulk',
      { tasks },
      key === undefined ? {} : { 'idempotency-key': key },
    );
  const replayed = (answer: ApiAnswer) => answer.headers.get('idempotent-replayed');

  it('refuses a bulk with one bad item among 10, naming its index, and creates and enqueues nothing', async () => {
    const tasks: unknown[] = Array.from({ length: 10 }, () => csv(5));
    tasks[7] = {
      task_type: 'email_sending',
      input_params: { recipients: ['not an address'], subject: 'Hi', body: 'x' },
    };
    const answer = await bulk(alpha.api, tasks);
    expect(answer.status).toBe(422);
    const problems = (answer.body as unknown as { detail: Problem[] }).detail;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.loc.slice(0, 5)).toEqual(['body', 'tasks', 7, 'input_params', 'recipients']);
    }
    // A wrong item shape is located by its index too, and an unknown type is a 422 here.
    const shapes = await bulk(alpha.api, [csv(1), { task_type: 'video' }, { input_params: {} }]);
    expect(shapes.status).toBe(422);
    expect((shapes.body as unknown as { detail: Problem[] }).detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ loc: ['body', 'tasks', 1, 'task_type'] }),
        expect.objectContaining({ loc: ['body', 'tasks', 2, 'task_type'], type: 'missing' }),
      ]),
    );
    expect(await total(alpha.api)).toBe(0);
    expect(await waiting()).toBe(0);
  });

  it('bounds the number of tasks and the size of a bulk', async () => {
    expect((await bulk(alpha.api, [])).status).toBe(422);
    const tooMany = await bulk(
      alpha.api,
      Array.from({ length: 1001 }, () => csv(1)),
    );
    expect(tooMany.status).toBe(422);
    expect(JSON.stringify(tooMany.body)).toContain('1 to 1000 tasks');
    // 9 MiB of JSON: over the bulk limit of 8 MiB (and far over the 1 MiB of a single submit).
    const subject = 'x'.repeat(9000);
    const huge = await bulk(
      alpha.api,
      Array.from({ length: 1000 }, () => ({
        task_type: 'email_sending',
        input_params: { num_emails: 1, subject },
      })),
    );
    expect(huge.status).toBe(413);
    expect(JSON.stringify(huge.body)).toContain('8 MiB');
    expect(await total(alpha.api)).toBe(0);
  });

  it('creates one task for two identical requests at once on two instances; both answer its id', async () => {
    const key = `order-${randomUUID()}`;
    const body = csv(3);
    const [first, second] = await Promise.all([
      submit(alpha.api, body, key),
      submit(alphaOnSecond, body, key),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.id).toBe(first.body.id);
    expect([replayed(first), replayed(second)].sort()).toEqual(['true', null].sort());
    expect(await total(alpha.api)).toBe(1);

    // Again later, in another key order: the same answer, replayed.
    const again = await submit(
      alpha.api,
      { input_params: { num_rows: 3 }, task_type: 'csv_processing' },
      key,
    );
    expect(again.status).toBe(200);
    expect(replayed(again)).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await total(alpha.api)).toBe(1);
  });

  it('answers 409 for the same key with another body, and 422 for a key that is no key', async () => {
    const key = `reuse-${randomUUID()}`;
    expect((await submit(alpha.api, csv(1), key)).status).toBe(200);
    const other = await submit(alpha.api, csv(2), key);
    expect(other.status).toBe(409);
    expect((other.body as unknown as { detail: string }).detail).toMatch(/another request/);
    // Another route is another request too.
    expect((await bulk(alpha.api, [csv(1)], key)).status).toBe(409);

    for (const bad of ['k'.repeat(256), 'é-key']) {
      const refused = await submit(alpha.api, csv(1), bad);
      expect(refused.status).toBe(422);
      expect((refused.body as unknown as { detail: Problem[] }).detail[0].loc).toEqual([
        'header',
        'Idempotency-Key',
      ]);
    }
    expect(await total(alpha.api)).toBe(2);
  });

  it('frees the key of a refused request: fixed, it runs', async () => {
    const key = `fix-${randomUUID()}`;
    expect((await submit(alpha.api, csv(0), key)).status).toBe(422);
    const fixed = await submit(alpha.api, csv(6), key);
    expect(fixed.status).toBe(200);
    expect(replayed(fixed)).toBeNull();
  });

  it('keeps keys per project', async () => {
    const key = `shared-${randomUUID()}`;
    const inAlpha = await submit(alpha.api, csv(4), key);
    const inBeta = await submit(beta.api, csv(4), key);
    expect([inAlpha.status, inBeta.status]).toEqual([200, 200]);
    expect(inBeta.body.id).not.toBe(inAlpha.body.id);
    expect(inBeta.body.project).toBe('beta');
    expect(replayed(inBeta)).toBeNull();
    // Another body in the other project is no conflict either.
    expect((await submit(beta.api, csv(5), `only-alpha-${key}`)).status).toBe(200);
  });

  it('replays a bulk with the same ids in the same order, once', async () => {
    const key = `bulk-${randomUUID()}`;
    const tasks = [csv(1), csv(2), { task_type: 'email_sending', input_params: { num_emails: 2 } }];
    const before = await total(alpha.api);
    const [first, second] = await Promise.all([
      bulk(alpha.api, tasks, key),
      bulk(alphaOnSecond, tasks, key),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.tasks.map((task) => task.task_type)).toEqual([
      'csv_processing',
      'csv_processing',
      'email_sending',
    ]);
    expect(first.body.tasks.map((task) => task.input_params.num_rows)).toEqual([1, 2, undefined]);
    expect(second.body.tasks.map((task) => task.id)).toEqual(first.body.tasks.map((t) => t.id));
    expect([replayed(first), replayed(second)]).toContain('true');
    expect(await total(alpha.api)).toBe(before + 3);
    expect((await bulk(alpha.api, tasks.slice(0, 2), key)).status).toBe(409);
  });

  it('accepts a bulk of 1,000 and runs every task; a replay after completion answers the first answer', async () => {
    const key = `thousand-${randomUUID()}`;
    const tasks = Array.from({ length: 1000 }, (_, index) => csv((index % 5) + 1));
    const answer = await bulk(beta.api, tasks, key);
    expect(answer.status).toBe(200);
    expect(answer.body.tasks).toHaveLength(1000);
    expect(answer.body.tasks.map((task) => task.input_params.num_rows)).toEqual(
      tasks.map((task) => task.input_params.num_rows),
    );
    expect(new Set(answer.body.tasks.map((task) => task.id)).size).toBe(1000);
    // Nothing runs them yet: every job is waiting, in Redis, besides the earlier ones.
    expect(await waiting()).toBeGreaterThanOrEqual(1000);

    service.spawnPeer({ APP_ROLE: 'worker' });
    await waitFor(
      'every task of the bulk to succeed',
      async () => (await total(beta.api, '&status=SUCCESS')) >= 1000 + 2,
      { timeoutMs: 110_000, intervalMs: 500 },
    );
    const done = await beta.api.get(answer.body.tasks[999].id);
    expect(done.status).toBe('SUCCESS');

    const replay = await bulk(beta.api, tasks, key);
    expect(replay.status).toBe(200);
    expect(replayed(replay)).toBe('true');
    expect(replay.body).toEqual(answer.body);
    expect(await total(beta.api)).toBe(1000 + 2);
  }, 180_000);
});
