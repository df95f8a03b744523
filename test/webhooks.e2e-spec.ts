import { verifySignature } from '../src/webhooks/webhook-signature';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';
import { WebhookReceiver } from './utils/webhook-receiver';

interface CreatedWebhook {
  id: string;
  url: string;
  events: string[];
  project: string;
  created_at: string;
  secret: string;
}

interface Delivery {
  task_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  delivered: boolean;
}

interface Detail {
  detail: string | { loc: (string | number)[]; msg: string }[];
}

describe(`webhooks (${TEST_DATABASE})`, () => {
  const adminKey = adminApiKey();
  let receiver: WebhookReceiver;
  let database: DatabaseEnv;
  let service: TestService;
  let admin: ApiClient;
  let operator: CreatedKey;
  let viewer: CreatedKey;
  let otherOperator: CreatedKey;

  const createHook = async (
    client: ApiClient,
    body: Record<string, unknown>,
  ): Promise<CreatedWebhook> => {
    const answer = await client.request<CreatedWebhook>('POST', '/api/webhooks', body);
    expect(answer.status).toBe(201);
    return answer.body;
  };
  const deliveries = async (id: string, client: ApiClient = operator.api): Promise<Delivery[]> => {
    const answer = await client.request<{ deliveries: Delivery[] }>(
      'GET',
      `/api/webhooks/${id}/deliveries`,
    );
    expect(answer.status).toBe(200);
    return answer.body.deliveries;
  };

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    database = isolatedDatabase();
    service = await startService({
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: adminKey,
      // The receiver listens on loopback; refusal is tested on a service without this below.
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // Three tries over two seconds instead of fifteen over a day.
      WEBHOOK_ATTEMPTS: '3',
      WEBHOOK_RETRY_WINDOW_SECONDS: '2',
      WEBHOOK_SECRET_KEY: adminApiKey(),
      ...database.env,
    });
    admin = new ApiClient(service.url, bearer(adminKey));
    operator = await createKey(service.url, adminKey, {
      name: 'alpha-op',
      role: 'operator',
      project: 'alpha',
    });
    viewer = await createKey(service.url, adminKey, {
      name: 'alpha-viewer',
      role: 'viewer',
      project: 'alpha',
    });
    otherOperator = await createKey(service.url, adminKey, {
      name: 'beta-op',
      role: 'operator',
      project: 'beta',
    });
  });

  afterAll(async () => {
    await service?.stop();
    await receiver?.close();
    await database?.drop();
  });

  it('delivers a signed task.succeeded that the receiver verifies with the secret shown once', async () => {
    const hook = await createHook(operator.api, {
      url: receiver.url('/succeeded'),
      events: ['task.succeeded'],
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(hook.project).toBe('alpha');
    const listed = await operator.api.request<Record<string, unknown>[]>('GET', '/api/webhooks');
    expect(listed.body.map((row) => row.id)).toContain(hook.id);
    expect(listed.body.every((row) => !('secret' in row))).toBe(true);

    const task = await operator.api.submit('csv_processing', { num_rows: 5 });
    const [call] = await waitFor('the delivery', () => {
      const calls = receiver.at('/succeeded').filter((c) => c.json.task.id === task.id);
      return calls.length > 0 && calls;
    });
    expect(call.headers['content-type']).toBe('application/json');
    const timestamp = call.headers['x-conveyor-timestamp'] as string;
    const signature = call.headers['x-conveyor-signature'] as string;
    expect(timestamp).toMatch(/^\d{10}$/);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(hook.secret, timestamp, call.body, signature)).toBe(true);
    expect(verifySignature('another secret', timestamp, call.body, signature)).toBe(false);
    expect(call.json.event).toBe('task.succeeded');
    expect(call.json.task).toMatchObject({ id: task.id, status: 'SUCCESS', progress: 100 });

    const log = await waitFor('the delivery logged', async () => {
      const rows = await deliveries(hook.id, viewer.api);
      return rows.length > 0 && rows;
    });
    expect(log[0]).toMatchObject({
      task_id: task.id,
      event: 'task.succeeded',
      attempt: 1,
      status_code: 200,
      error: null,
      delivered: true,
    });
  });

  it('sends each webhook only the events it asked for, cancels included', async () => {
    const failed = await createHook(operator.api, {
      url: receiver.url('/failed'),
      events: ['task.failed'],
    });
    const every = await createHook(operator.api, {
      url: receiver.url('/every'),
      events: ['task.succeeded', 'task.failed', 'task.cancelled'],
    });
    const failing = await operator.api.submit('csv_processing', { num_rows: 20, delimiter: '"' });
    const long = await operator.api.submit('csv_processing', { num_rows: 5_000_000 });
    expect((await operator.api.request('DELETE', `/api/tasks/${long.id}`)).status).toBe(200);
    const ok = await operator.api.submit('csv_processing', { num_rows: 5 });

    const eventsAt = (path: string): Map<string, string> =>
      new Map(receiver.at(path).map((call) => [call.json.task.id, call.json.event]));
    await waitFor('every event at the catch-all webhook', () => {
      const seen = eventsAt('/every');
      return seen.has(failing.id) && seen.has(long.id) && seen.has(ok.id);
    });
    const seen = eventsAt('/every');
    expect(seen.get(failing.id)).toBe('task.failed');
    expect(seen.get(long.id)).toBe('task.cancelled');
    expect(seen.get(ok.id)).toBe('task.succeeded');
    await waitFor('the failure at its webhook', () => eventsAt('/failed').has(failing.id));
    // Made in the same fan-out as the deliveries seen above: had there been more, they are in.
    await waitFor('every logged', async () => (await deliveries(every.id)).length === 3);
    expect([...eventsAt('/failed').values()]).toEqual(['task.failed']);
    expect([...eventsAt('/succeeded').keys()]).not.toContain(failing.id);
    expect([...eventsAt('/succeeded').keys()]).not.toContain(long.id);
    expect((await deliveries(failed.id)).map((row) => row.task_id)).toEqual([failing.id]);
    await operator.api.request('DELETE', `/api/webhooks/${every.id}`);
    await operator.api.request('DELETE', `/api/webhooks/${failed.id}`);
  });

  it('tries a failed delivery again and logs both tries, newest first', async () => {
    receiver.failFirst('/flaky', 1);
    const hook = await createHook(operator.api, {
      url: receiver.url('/flaky'),
      events: ['task.succeeded'],
      secret: 'a-secret-of-my-own-choosing',
    });
    expect(hook.secret).toBe('a-secret-of-my-own-choosing');
    const task = await operator.api.submit('csv_processing', { num_rows: 5 });
    const log = await waitFor(
      'a second try logged as delivered',
      async () => {
        const rows = await deliveries(hook.id);
        return rows.length === 2 && rows;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(log.map((row) => [row.attempt, row.status_code, row.delivered, row.error])).toEqual([
      [2, 200, true, null],
      [1, 500, false, 'HTTP 500'],
    ]);
    expect(log.every((row) => row.task_id === task.id && row.duration_ms >= 0)).toBe(true);
    const calls = receiver.at('/flaky');
    expect(calls).toHaveLength(2);
    // The same body each time, signed anew with its own timestamp.
    expect(calls[1].body).toBe(calls[0].body);
    for (const call of calls) {
      expect(
        verifySignature(
          hook.secret,
          call.headers['x-conveyor-timestamp'] as string,
          call.body,
          call.headers['x-conveyor-signature'] as string,
        ),
      ).toBe(true);
    }
    await operator.api.request('DELETE', `/api/webhooks/${hook.id}`);
  });

  it("POSTs a task's outcome to its callback_url", async () => {
    const answer = await operator.api.request<{ id: string }>('POST', '/api/tasks/submit', {
      task_type: 'csv_processing',
      input_params: { num_rows: 5 },
      callback_url: receiver.url('/callback'),
    });
    expect(answer.status).toBe(200);
    const [call] = await waitFor('the callback', () => {
      const calls = receiver.at('/callback').filter((c) => c.json.task.id === answer.body.id);
      return calls.length > 0 && calls;
    });
    expect(call.json).toMatchObject({
      event: 'task.succeeded',
      task: { id: answer.body.id, status: 'SUCCESS' },
    });
    expect(call.headers['x-conveyor-timestamp']).toMatch(/^\d{10}$/);

    for (const bad of ['ftp://example.com/x', 'not a url', 42]) {
      const refused = await operator.api.request<Detail>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        input_params: { num_rows: 5 },
        callback_url: bad,
      });
      expect(refused.status).toBe(422);
      expect(JSON.stringify(refused.body.detail)).toContain('callback_url');
    }
  });

  it('refuses bad webhook bodies with 422 naming the field', async () => {
    for (const [body, field] of [
      [{ url: 'ftp://example.com/', events: ['task.failed'] }, 'url'],
      [{ url: 'http://user:pw@example.com/', events: ['task.failed'] }, 'url'],
      [{ url: receiver.url('/x'), events: ['task.started'] }, 'events'],
      [{ url: receiver.url('/x'), events: [] }, 'events'],
      [{ url: receiver.url('/x'), events: ['task.failed'], secret: 'short' }, 'secret'],
      [{ url: receiver.url('/x'), events: ['task.failed'], extra: 1 }, 'extra'],
    ] as const) {
      const answer = await operator.api.request<Detail>('POST', '/api/webhooks', body);
      expect(answer.status).toBe(422);
      expect(JSON.stringify(answer.body.detail)).toContain(field);
    }
  });

  it('keeps webhooks to their project and to the roles that may see or change them', async () => {
    const hook = await createHook(operator.api, {
      url: receiver.url('/scoped'),
      events: ['task.failed'],
    });
    // A viewer reads, never writes.
    expect((await viewer.api.request('GET', '/api/webhooks')).status).toBe(200);
    expect(
      (
        await viewer.api.request('POST', '/api/webhooks', {
          url: receiver.url('/v'),
          events: ['task.failed'],
        })
      ).status,
    ).toBe(403);
    expect((await viewer.api.request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(403);
    // Another project sees nothing of it.
    const theirs = await otherOperator.api.request<{ id: string }[]>('GET', '/api/webhooks');
    expect(theirs.body.map((row) => row.id)).not.toContain(hook.id);
    expect(
      (await otherOperator.api.request('GET', `/api/webhooks/${hook.id}/deliveries`)).status,
    ).toBe(404);
    expect((await otherOperator.api.request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(
      404,
    );
    // An admin of every project sees it; no key sees nothing.
    const all = await admin.request<{ id: string }[]>('GET', '/api/webhooks');
    expect(all.body.map((row) => row.id)).toContain(hook.id);
    expect((await new ApiClient(service.url).request('GET', '/api/webhooks')).status).toBe(401);
    expect((await operator.api.request('GET', '/api/webhooks/not-an-id/deliveries')).status).toBe(
      404,
    );
    // Deleted: gone from the list, and both changes are in the audit log.
    expect((await operator.api.request('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(200);
    const after = await operator.api.request<{ id: string }[]>('GET', '/api/webhooks');
    expect(after.body.map((row) => row.id)).not.toContain(hook.id);
    const audit = await admin.request<{ entries: { action: string; resource: string }[] }>(
      'GET',
      '/api/audit?project=alpha&limit=100',
    );
    const actions = audit.body.entries
      .filter((entry) => entry.resource === hook.id)
      .map((entry) => entry.action)
      .sort();
    expect(actions).toEqual(['webhook.create', 'webhook.delete']);
  });

  describe('without WEBHOOK_ALLOW_PRIVATE', () => {
    let guarded: TestService;
    let guardedDatabase: DatabaseEnv;

    beforeAll(async () => {
      guardedDatabase = isolatedDatabase();
      guarded = await startService({ APP_ROLE: 'api', ...guardedDatabase.env });
    });
    afterAll(async () => {
      await guarded?.stop();
      await guardedDatabase?.drop();
    });

    it('refuses loopback, private and mapped addresses with 422', async () => {
      const api = new ApiClient(guarded.url);
      for (const url of [
        receiver.url('/ssrf'),
        'http://localhost:9/',
        'http://[::1]:9/',
        'http://[::ffff:127.0.0.1]:9/',
        'http://169.254.169.254/latest/meta-data/',
        'http://10.0.0.1/',
        'http://0.0.0.0:9/',
      ]) {
        const answer = await api.request<Detail>('POST', '/api/webhooks', {
          url,
          events: ['task.succeeded'],
        });
        expect([url, answer.status]).toEqual([url, 422]);
        expect(JSON.stringify(answer.body.detail)).toMatch(/url .*non-public address/);
      }
      const callback = await api.request<Detail>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        input_params: { num_rows: 5 },
        callback_url: receiver.url('/ssrf'),
      });
      expect(callback.status).toBe(422);
      expect(receiver.at('/ssrf')).toHaveLength(0);
    });
  });
});
