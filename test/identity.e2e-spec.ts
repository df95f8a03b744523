import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey, Role } from './utils/api-keys';
import { TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { serviceForSuite } from './utils/suite-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';

interface Route {
  method: string;
  path: () => string;
  /** The least role; 'public' for no key at all. */
  needs: Role | 'public';
  body?: () => unknown;
  /** multipart upload instead of a JSON body */
  upload?: boolean;
  /** SSE: only the status line is read. */
  stream?: boolean;
}

const ADMIN_KEY = adminApiKey();
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

describe(`API keys, roles and the audit log on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({
    AUTH_MODE: 'keys',
    ADMIN_API_KEY: ADMIN_KEY,
    // Every route is tried with an unknown key from one address; the abuse suite tests the limit.
    AUTH_FAILURES_PER_MINUTE: '100000',
  });
  const keys = {} as Record<Role, CreatedKey>;
  /** A task of project alpha for the routes that take an id. */
  let task: TaskResponse;
  let fileId: string;
  let spareKeyIds: string[];

  beforeAll(async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      keys[role] = await createKey(suite.service.url, ADMIN_KEY, {
        name: `alpha-${role}`,
        role,
        project: 'alpha',
      });
    }
    // Retrying it answers 400 while it is not FAILED or CANCELLED: past the guard either way.
    task = await submitAs(keys.operator.api, 'csv_processing', { num_rows: 5 });
    const csv = await upload(
      suite.service.url,
      Buffer.from('a,b\n1,2\n'),
      'small.csv',
      bearer(keys.operator.key),
    );
    expect(csv.status).toBe(201);
    fileId = csv.body.file_id as string;
    // Keys for the admin-only DELETE route to revoke, one per role that may do it.
    spareKeyIds = [];
    for (let i = 0; i < 2; i++) {
      spareKeyIds.push(
        (
          await createKey(suite.service.url, ADMIN_KEY, {
            name: `spare-${i}`,
            role: 'viewer',
            project: 'alpha',
          })
        ).id,
      );
    }
  });

  async function submitAs(
    api: ApiClient,
    taskType: string,
    params: Record<string, unknown>,
  ): Promise<TaskResponse> {
    const answer = await api.request<TaskResponse>('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: params,
    });
    if (answer.status >= 300)
      throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  let spareIndex = 0;
  const routes: Route[] = [
    { method: 'GET', path: () => '/api/health', needs: 'public' },
    { method: 'GET', path: () => '/api/tasks/', needs: 'viewer' },
    { method: 'GET', path: () => '/api/tasks/stats', needs: 'viewer' },
    { method: 'GET', path: () => '/api/task-types', needs: 'viewer' },
    { method: 'GET', path: () => `/api/tasks/${task.id}`, needs: 'viewer' },
    { method: 'GET', path: () => `/api/tasks/${task.id}/files/output.jpg`, needs: 'viewer' },
    { method: 'GET', path: () => `/api/tasks/${task.id}/items.csv`, needs: 'viewer' },
    { method: 'GET', path: () => '/api/events', needs: 'viewer', stream: true },
    { method: 'GET', path: () => `/api/files/${fileId}`, needs: 'viewer' },
    { method: 'GET', path: () => '/api/session', needs: 'viewer' },
    { method: 'GET', path: () => '/api/docs/', needs: 'viewer' },
    {
      method: 'POST',
      path: () => '/api/tasks/submit',
      needs: 'operator',
      body: () => ({ task_type: 'csv_processing', input_params: { num_rows: 5 } }),
    },
    { method: 'POST', path: () => '/api/files', needs: 'operator', upload: true },
    { method: 'POST', path: () => `/api/tasks/${task.id}/retry`, needs: 'operator' },
    {
      method: 'POST',
      path: () => `/api/tasks/${task.id}/retry?only=failed_items`,
      needs: 'operator',
    },
    { method: 'DELETE', path: () => `/api/tasks/${UNKNOWN_UUID}`, needs: 'operator' },
    { method: 'GET', path: () => '/api/keys', needs: 'admin' },
    {
      method: 'POST',
      path: () => '/api/keys',
      needs: 'admin',
      body: () => ({ name: 'made-by-matrix', role: 'viewer', project: 'alpha' }),
    },
    { method: 'DELETE', path: () => `/api/keys/${spareKeyIds[spareIndex++ % 2]}`, needs: 'admin' },
    { method: 'GET', path: () => '/api/audit', needs: 'admin' },
  ];

  async function call(
    route: Route,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const url = `${suite.service.url}${route.path()}`;
    if (route.upload) {
      const answer = await upload(
        suite.service.url,
        Buffer.from('x,y\n3,4\n'),
        'matrix.csv',
        headers,
      );
      return { status: answer.status, body: answer.body, headers: new Headers() };
    }
    if (route.stream) {
      const controller = new AbortController();
      const response = await fetch(url, { headers, signal: controller.signal });
      const body: unknown = response.status === 200 ? null : await response.json();
      controller.abort();
      return { status: response.status, body, headers: response.headers };
    }
    return new ApiClient(suite.service.url, headers).request(
      route.method,
      route.path(),
      route.body?.(),
    );
  }

  const callers: {
    who: string;
    role: Role | 'none' | 'unknown';
    headers: () => Record<string, string>;
  }[] = [
    { who: 'no key', role: 'none', headers: () => ({}) },
    {
      who: 'an unknown key',
      role: 'unknown',
      headers: () => bearer('cvk_not-a-key-of-this-service'),
    },
    {
      who: 'a viewer (X-API-Key)',
      role: 'viewer',
      headers: () => ({ 'x-api-key': keys.viewer.key }),
    },
    { who: 'an operator', role: 'operator', headers: () => bearer(keys.operator.key) },
    { who: 'an admin', role: 'admin', headers: () => bearer(keys.admin.key) },
  ];
  const rank = { none: -1, unknown: -1, public: -1, viewer: 0, operator: 1, admin: 2 };

  it.each(
    routes.map(
      (route) =>
        [`${route.method} ${route.path.toString().replace(/^\(\) => /, '')}`, route] as const,
    ),
  )('%s: each role is let in or refused as §7 says', async (_name, route) => {
    for (const caller of callers) {
      const answer = await call(route, caller.headers());
      const label = `${caller.who} → ${route.method} ${route.path()} answered ${answer.status} ${JSON.stringify(answer.body)}`;
      if (route.needs === 'public') {
        expect([label, answer.status]).toEqual([label, 200]);
      } else if (caller.role === 'none' || caller.role === 'unknown') {
        expect([label, answer.status]).toEqual([label, 401]);
        if (!route.upload) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(typeof (answer.body as { detail?: unknown }).detail).toBe('string');
      } else if (rank[caller.role] < rank[route.needs]) {
        expect([label, answer.status]).toEqual([label, 403]);
        expect((answer.body as { detail: string }).detail).toMatch(
          new RegExp(`needs the ${route.needs} role`),
        );
      } else {
        expect([
          label,
          answer.status < 300 || answer.status === 404 || answer.status === 400,
        ]).toEqual([label, true]);
      }
    }
  });

  it('records every state-changing action in the audit log, with actor, project and address', async () => {
    const operator = keys.operator;
    const task = await submitAs(operator.api, 'csv_processing', {
      num_rows: 5,
      processing_time: 30,
    });
    expect(task.project).toBe('alpha');
    expect((await operator.api.request('DELETE', `/api/tasks/${task.id}`)).status).toBe(200);
    const retried = await operator.api.request<TaskResponse>('POST', `/api/tasks/${task.id}/retry`);
    expect(retried.status).toBeLessThan(300);
    const made = await createKey(suite.service.url, keys.admin.key, {
      name: 'audited',
      role: 'viewer',
      project: 'alpha',
    });
    expect((await keys.admin.api.request('DELETE', `/api/keys/${made.id}`)).status).toBe(200);

    const audit = await keys.admin.api.request<{
      entries: Record<string, unknown>[];
      total: number;
    }>('GET', `/api/audit?actor=${operator.id}&limit=1000`);
    expect(audit.status).toBe(200);
    const find = (action: string, resource: string): Record<string, unknown> | undefined =>
      audit.body.entries.find((entry) => entry.action === action && entry.resource === resource);
    for (const [action, resource] of [
      ['task.submit', task.id],
      ['task.cancel', task.id],
      ['task.retry', retried.body.id],
    ]) {
      expect([action, find(action, resource)]).toEqual([
        action,
        expect.objectContaining({
          actor_key_id: operator.id,
          actor_name: operator.name,
          project: 'alpha',
        }),
      ]);
      expect(find(action, resource)?.client_address).toMatch(/127\.0\.0\.1/);
      expect(find(action, resource)?.at).toMatch(/Z$/);
    }
    const uploads = await keys.admin.api.request<{ entries: Record<string, unknown>[] }>(
      'GET',
      '/api/audit?action=file.upload',
    );
    expect(uploads.body.entries.map((entry) => entry.resource)).toContain(fileId);
    const keyActions = await keys.admin.api.request<{ entries: Record<string, unknown>[] }>(
      'GET',
      `/api/audit?actor=${keys.admin.id}`,
    );
    expect(keyActions.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'key.create',
          resource: made.id,
          actor_name: 'alpha-admin',
        }),
        expect.objectContaining({
          action: 'key.revoke',
          resource: made.id,
          actor_name: 'alpha-admin',
        }),
      ]),
    );
    // Reads are not state changes.
    expect(
      audit.body.entries.every((entry) => String(entry.action).match(/^(task|file|key|session)\./)),
    ).toBe(true);
    const bad = await keys.admin.api.request<{ detail: unknown }>(
      'GET',
      '/api/audit?since=yesterday&limit=0',
    );
    expect(bad.status).toBe(422);
  });

  it('keeps an admin of one project to its project; the ADMIN_API_KEY sees all and filters', async () => {
    const betaAdmin = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'beta-admin',
      role: 'admin',
      project: 'beta',
    });
    const listed = await betaAdmin.api.request<{ project: string }[]>('GET', '/api/keys');
    expect(listed.body.map((key) => key.project)).toEqual(['beta']);
    expect((await betaAdmin.api.request('DELETE', `/api/keys/${keys.viewer.id}`)).status).toBe(404);
    const other = await betaAdmin.api.request('POST', '/api/keys', {
      name: 'x',
      role: 'viewer',
      project: 'alpha',
    });
    expect(other.status).toBe(403);
    const star = await betaAdmin.api.request<{ detail: { loc: string[] }[] }>('POST', '/api/keys', {
      name: 'x',
      role: 'admin',
      project: '*',
    });
    expect(star.status).toBe(403);
    const starViewer = await new ApiClient(suite.service.url, bearer(ADMIN_KEY)).request<{
      detail: { loc: string[] }[];
    }>('POST', '/api/keys', { name: 'x', role: 'viewer', project: '*' });
    expect(starViewer.status).toBe(422);
    expect(starViewer.body.detail[0].loc).toEqual(['body', 'project']);
    const betaAudit = await betaAdmin.api.request<{ entries: { project: string }[] }>(
      'GET',
      '/api/audit?project=alpha',
    );
    expect(betaAudit.body.entries.every((entry) => entry.project === 'beta')).toBe(true);
    const rootAudit = await new ApiClient(suite.service.url, bearer(ADMIN_KEY)).request<{
      entries: { project: string }[];
    }>('GET', '/api/audit?project=alpha');
    expect(rootAudit.body.entries.length).toBeGreaterThan(0);
    expect(rootAudit.body.entries.every((entry) => entry.project === 'alpha')).toBe(true);
    for (const body of [
      {},
      { name: '', role: 'viewer', project: 'a' },
      { name: 'n', role: 'root', project: 'a' },
      { name: 'n', role: 'viewer', project: 'Has Space' },
    ]) {
      expect(
        (
          await new ApiClient(suite.service.url, bearer(ADMIN_KEY)).request(
            'POST',
            '/api/keys',
            body,
          )
        ).status,
      ).toBe(422);
    }
  });

  it('trades a key for a session cookie that works for reads, events and same-origin writes only', async () => {
    const url = suite.service.url;
    const noHeader = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: bearer(keys.operator.key),
    });
    expect(noHeader.status).toBe(403);
    const signIn = await fetch(`${url}/api/session`, {
      method: 'POST',
      headers: { ...bearer(keys.operator.key), 'x-conveyor-client': 'dashboard' },
    });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({
      name: 'alpha-operator',
      role: 'operator',
      project: 'alpha',
    });
    const setCookie = signIn.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(keys.operator.key);
    const cookie = setCookie.split(';')[0];

    const withCookie = new ApiClient(url, { cookie });
    expect((await withCookie.request('GET', '/api/tasks/')).status).toBe(200);
    const events = await fetch(`${url}/api/events`, { headers: { cookie } });
    expect(events.status).toBe(200);
    await events.body?.cancel();
    const submit = { task_type: 'csv_processing', input_params: { num_rows: 3 } };
    const forged = await withCookie.request<{ detail: string }>(
      'POST',
      '/api/tasks/submit',
      submit,
    );
    expect(forged.status).toBe(403);
    expect(forged.body.detail).toMatch(/x-conveyor-client/);
    const crossOrigin = await withCookie.request('POST', '/api/tasks/submit', submit, {
      'x-conveyor-client': 'dashboard',
      origin: 'https://evil.example',
    });
    expect(crossOrigin.status).toBe(403);
    const fromPage = await withCookie.request('POST', '/api/tasks/submit', submit, {
      'x-conveyor-client': 'dashboard',
      origin: url,
    });
    expect(fromPage.status).toBeLessThan(300);

    const signOut = await fetch(`${url}/api/session`, { method: 'DELETE', headers: { cookie } });
    expect(signOut.status).toBe(204);
    const after = await withCookie.request('GET', '/api/tasks/');
    expect(after.status).toBe(401);
  });

  it('never stores or logs a key: not in the database, not in any log line', async () => {
    const secrets = [ADMIN_KEY, ...Object.values(keys).map((key) => key.key)];
    // Let the request logs of the tests above reach the output.
    await waitFor('the service to log a request', () =>
      suite.service.process.output().includes('"req"'),
    );
    const logs = suite.service.process.output();
    let stored = '';
    if (TEST_DATABASE === 'sqlite') {
      const dataDir = suite.service.dataDir;
      stored = readdirSync(dataDir)
        .filter((name) => name.startsWith('conveyor.sqlite'))
        .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
        .join('\n');
      expect(stored.length).toBeGreaterThan(0);
    } else {
      const client = new Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        for (const table of ['api_keys', 'audit_log', 'tasks', 'files']) {
          const rows = await client.query(
            `SELECT row_to_json(t)::text AS row FROM "${suite.database.schema}"."${table}" t`,
          );
          stored += rows.rows.map((row: { row: string }) => row.row).join('\n');
        }
      } finally {
        await client.end();
      }
      expect(stored).toContain('alpha-operator');
    }
    for (const secret of secrets) {
      expect(logs.includes(secret)).toBe(false);
      expect(stored.includes(secret)).toBe(false);
    }
    expect(logs).toContain('[redacted]');
  });
});
