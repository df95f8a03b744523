import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey } from './utils/api-keys';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import {
  freePort,
  PROJECT_ROOT,
  spawnService,
  startService,
  TestService,
} from './utils/start-service';
import { waitFor } from './utils/wait-for';

const run = promisify(execFile);
/** §7: a revoked key is refused by every instance within this long. */
const REVOCATION_MS = 5000;

/** GET with a Host header of our choosing (fetch does not let a client set it). */
function getWithHost(
  url: string,
  path: string,
  host: string,
): Promise<{ status: number; requestId: string | undefined }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, headers: { host } }, (response) => {
      response.resume();
      const requestId = response.headers['x-request-id'];
      resolve({ status: response.statusCode ?? 0, requestId: requestId?.toString() });
    });
    request.on('error', reject);
    request.end();
  });
}

describe(`keys across API instances and the command line on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  const adminKey = adminApiKey();
  let service: TestService;
  let secondUrl: string;

  beforeAll(async () => {
    service = await startService({ ...database.env, AUTH_MODE: 'keys', ADMIN_API_KEY: adminKey });
    const port = await freePort();
    service.spawnPeer({ APP_ROLE: 'api', PORT: String(port) });
    secondUrl = `http://127.0.0.1:${port}`;
    await waitFor('the second API instance to answer', async () => {
      const response = await fetch(`${secondUrl}/api/health`).catch(() => undefined);
      return response?.status === 200;
    });
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('refuses a revoked key on the other instance within 5 s, and on its own at once', async () => {
    const viewer = await createKey(service.url, adminKey, {
      name: 'soon-revoked',
      role: 'viewer',
      project: 'alpha',
    });
    const onSecond = new ApiClient(secondUrl, bearer(viewer.key));
    // Both instances have the key in their cache now.
    expect((await viewer.api.request('GET', '/api/tasks/')).status).toBe(200);
    expect((await onSecond.request('GET', '/api/tasks/')).status).toBe(200);

    const revoked = await new ApiClient(service.url, bearer(adminKey)).request<{
      revoked_at: string;
    }>('DELETE', `/api/keys/${viewer.id}`);
    const revokedAt = Date.now();
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toMatch(/Z$/);
    expect((await viewer.api.request('GET', '/api/tasks/')).status).toBe(401);

    // Until 5 s have passed the other instance may still answer from its cache; once it has
    // refused, it never lets the key in again; after 5 s it must refuse.
    let refused = false;
    while (Date.now() - revokedAt < REVOCATION_MS) {
      const status = (await onSecond.request('GET', '/api/tasks/')).status;
      expect([200, 401]).toContain(status);
      if (refused) expect(status).toBe(401);
      refused ||= status === 401;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = await onSecond.request<{ detail: string }>('GET', '/api/tasks/');
    expect(after.status).toBe(401);
    expect(after.body.detail).toMatch(/unknown or revoked/);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('creates, lists and revokes keys from a shell with the service environment', async () => {
    const env = { PATH: process.env.PATH ?? '', ...service.env };
    const cli = join(PROJECT_ROOT, 'dist', 'keys', 'keys-cli.js');
    const created = await run(
      process.execPath,
      [cli, 'create', '--name', 'from-shell', '--role', 'operator', '--project', 'gamma'],
      { env },
    );
    const key = created.stdout.trim();
    expect(key).toMatch(/^cvk_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/shown only now/);
    const operator = new ApiClient(service.url, bearer(key));
    const submitted = await operator.request<{ project: string }>('POST', '/api/tasks/submit', {
      task_type: 'csv_processing',
      input_params: { num_rows: 3 },
    });
    expect(submitted.status).toBeLessThan(300);
    expect(submitted.body.project).toBe('gamma');

    const listed = await run(process.execPath, [cli, 'list'], { env });
    expect(listed.stdout).toContain('from-shell');
    expect(listed.stdout).not.toContain(key);
    const id = /([0-9a-f-]{36})[^\n]*from-shell/.exec(listed.stdout)?.[1];
    expect(id).toBeDefined();
    await run(process.execPath, [cli, 'revoke', id as string], { env });
    await waitFor(
      'the revoked key to be refused',
      async () => (await operator.request('GET', '/api/tasks/')).status === 401,
      {
        timeoutMs: REVOCATION_MS + 5000,
      },
    );
    const audit = await new ApiClient(service.url, bearer(adminKey)).request<{
      entries: { action: string; actor_name: string }[];
    }>('GET', `/api/audit?project=gamma`);
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'key.create',
          actor_name: expect.stringMatching(/^cli \(/) as unknown,
        }),
        expect.objectContaining({
          action: 'key.revoke',
          actor_name: expect.stringMatching(/^cli \(/) as unknown,
        }),
        expect.objectContaining({ action: 'task.submit', actor_name: 'from-shell' }),
      ]),
    );

    const wrong = await run(process.execPath, [cli, 'create', '--name', 'x', '--role', 'root'], {
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(wrong).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/role must be one of: viewer, operator, admin/) as unknown,
    });
  });

  it('gives no CORS answer to another origin by default', async () => {
    const preflight = await fetch(`${service.url}/api/tasks/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://elsewhere.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('open mode', () => {
  it('refuses to start on a HOST other machines can reach, in one clear line', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-test-'));
    try {
      const child = spawnService({
        HOST: '0.0.0.0',
        AUTH_MODE: 'open',
        DATA_DIR: dataDir,
        PORT: '0',
      });
      expect(await child.exited).toBe(1);
      const lines = child.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /AUTH_MODE=open is allowed only when HOST is a loopback address, and HOST is 0\.0\.0\.0/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  describe('on loopback (the default there)', () => {
    const database = isolatedDatabase();
    let service: TestService;

    beforeAll(async () => {
      service = await startService(database.env);
    });

    afterAll(async () => {
      await service?.stop();
      await database.drop();
    });

    it('asks no key, puts everything in project default, and answers only loopback Host names', async () => {
      const api = new ApiClient(service.url);
      const submitted = await api.request<{ project: string }>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        input_params: { num_rows: 3 },
      });
      expect(submitted.status).toBeLessThan(300);
      expect(submitted.body.project).toBe('default');
      const session = await api.request<{ auth_mode: string }>('GET', '/api/session');
      expect(session.body.auth_mode).toBe('open');
      const port = new URL(service.url).port;
      const status = async (path: string, host: string): Promise<number> =>
        (await getWithHost(service.url, path, host)).status;
      expect(await status('/api/tasks/', `localhost:${port}`)).toBe(200);
      expect(await status('/api/tasks/', `[::1]:${port}`)).toBe(200);
      // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1.
      const rebound = await getWithHost(service.url, '/api/tasks/', `evil.example:${port}`);
      expect(rebound.status).toBe(403);
      // Answered past Fastify, and still under the request id its log line has.
      expect(rebound.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await status('/', `evil.example:${port}`)).toBe(403);
    });
  });
});
