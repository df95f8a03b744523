import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { freePort, PROJECT_ROOT, startService, TestService } from './utils/start-service';
import { serviceForSuite } from './utils/suite-service';
import { waitFor } from './utils/wait-for';

// Small limits, so that each slow-client attack is over in seconds.
const HEADERS_TIMEOUT_MS = 1500;
const BODY_TIMEOUT_MS = 1500;
const UPLOAD_IDLE_MS = 1500;

const suite = serviceForSuite({
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  HTTP_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
  UPLOAD_IDLE_TIMEOUT_MS: String(UPLOAD_IDLE_MS),
  TRUST_PROXY: '1',
  // CORS is same-origin only by default (§6); the preflight check below needs an allowed origin.
  CORS_ORIGINS: 'http://elsewhere.example',
});

/** Rows of a table in the suite's own database, read from SQL rather than through the API. */
async function countRows(database: DatabaseEnv, dataDir: string, table: string): Promise<number> {
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'), { readonly: true });
    try {
      return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      `SELECT COUNT(*) AS n FROM "${database.schema}".${table}`,
    );
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

interface Attack<T> {
  result: T;
  /** The slowest /api/health answer while the attack ran, in ms. */
  healthMs: number;
}

/**
 * Runs the attack while another client asks /api/health over and over; the slowest of those
 * answers is the service's responsiveness during it (at least one probe is always made).
 */
async function measured<T>(attack: () => Promise<T>): Promise<Attack<T>> {
  let done = false;
  const latencies: number[] = [];
  const probe = async (): Promise<void> => {
    do {
      const started = performance.now();
      const response = await fetch(`${suite.service.url}/api/health`);
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      expect(response.status).toBe(200);
    } while (!done);
  };
  const probing = probe();
  try {
    const result = await attack();
    done = true;
    await probing;
    return { result, healthMs: Math.round(Math.max(...latencies)) };
  } finally {
    done = true;
    await probing.catch(() => undefined);
  }
}

/** `healthMs` null: the attack takes every connection, health included (that is the limit). */
function record(scenario: string, requests: number, notes: string, healthMs: number | null): void {
  recordFaultRow({
    scenario: `Abuse: ${scenario}`,
    database: TEST_DATABASE,
    tasks: requests,
    lost: null,
    stuck: null,
    duplicated: null,
    reExecutions: null,
    recoveryMs: null,
    notes: healthMs === null ? notes : `${notes}; health ≤ ${healthMs} ms during it`,
  });
}

interface RawAnswer {
  status: number;
  head: string;
  body: string;
  /** From the first byte sent to the connection's close. */
  elapsedMs: number;
}

/**
 * Opens a raw connection, sends `first`, then `trickle` every 300 ms until the server answers
 * or closes; what a client that sends one byte at a time looks like.
 */
function trickle(first: string, trickled: string): Promise<RawAnswer> {
  const { port } = new URL(suite.service.url);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), '127.0.0.1');
    const started = performance.now();
    let received = '';
    socket.write(first);
    const timer = setInterval(() => {
      if (socket.writable && trickled) socket.write(trickled);
    }, 300);
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      const [head, body = ''] = received.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 0) reject(new Error(`no answer: ${JSON.stringify(received)}`));
      else resolve({ status, head, body, elapsedMs: performance.now() - started });
    });
    // Ends the test rather than hang should the server never close.
    setTimeout(() => socket.destroy(), 20_000).unref();
  });
}

const submitBody = (inputParams: unknown, taskType = 'email_sending'): string =>
  JSON.stringify({ task_type: taskType, input_params: inputParams });

const keys = (count: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${index}`, 0]));

describe('abuse: one client cannot hurt the others', () => {
  afterEach(async () => {
    // No refused request may leave a task or a file behind; the tests that create tasks on
    // purpose count them themselves.
    expect(filesIn(join(suite.service.dataDir, 'uploads'))).toEqual([]);
  });

  it('answers 90,000 unknown keys with one short 422 at once, in parallel, health unaffected', async () => {
    const body = submitBody(keys(90_000));
    expect(Buffer.byteLength(body)).toBeGreaterThan(900_000);
    // Each 1 MB body costs JSON.parse itself 40-200 ms here (what the 1 MiB limit bounds); the
    // per-key work after it is what this attack would have made quadratic.
    const parallel = 3;
    const { result: answers, healthMs } = await measured(() =>
      Promise.all(
        Array.from({ length: parallel }, () =>
          suite.api.request('POST', '/api/tasks/submit', body),
        ),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(422);
      const { detail } = answer.body as { detail: unknown };
      expect(detail).toEqual([
        {
          loc: ['body', 'input_params'],
          msg: 'input_params has 90000 keys; the limit is 1000 keys in one object',
          type: 'too_many_keys',
        },
      ]);
    }
    expect(healthMs).toBeLessThan(1000);
    expect(await countRows(suite.database, suite.service.dataDir, 'tasks')).toBe(0);
    record(
      '3 parallel submits of 90,000 unknown keys (1 MB each)',
      parallel,
      `limit 1,000 keys per object; 422 with 1 problem (${JSON.stringify(answers[0].body).length} bytes), 0 rows`,
      healthMs,
    );
  });

  it('lists at most 20 problems however many there are', async () => {
    const { result: answer, healthMs } = await measured(() =>
      suite.api.request('POST', '/api/tasks/submit', submitBody(keys(1000))),
    );
    expect(answer.status).toBe(422);
    const { detail } = answer.body as { detail: { type: string }[] };
    expect(detail).toHaveLength(20);
    expect(detail.every((problem) => problem.type === 'extra_forbidden')).toBe(true);
    expect(healthMs).toBeLessThan(1000);
    expect(await countRows(suite.database, suite.service.dataDir, 'tasks')).toBe(0);
    record(
      '1,000 unknown parameters',
      1,
      `problems listed: at most 20; 422 with 20 (${JSON.stringify(answer.body).length} bytes)`,
      healthMs,
    );
  });

  it('refuses an e-mail body or html over 100 KiB, naming the limit', async () => {
    const over = 'x'.repeat(100 * 1024 + 1);
    const { result: answers, healthMs } = await measured(() =>
      Promise.all([
        suite.api.request(
          'POST',
          '/api/tasks/submit',
          submitBody({ recipients: ['a@example.com'], subject: 'Hi', body: over }),
        ),
        suite.api.request(
          'POST',
          '/api/tasks/submit',
          submitBody({ recipients: ['a@example.com'], subject: 'Hi', html: over }),
        ),
      ]),
    );
    for (const [answer, field] of [
      [answers[0], 'body'],
      [answers[1], 'html'],
    ] as const) {
      expect(answer.status).toBe(422);
      expect((answer.body as { detail: unknown }).detail).toEqual([
        {
          loc: ['body', 'input_params', field],
          msg: `input_params.${field} is longer than the limit of 100 KiB (102400 bytes) for one string; shorten it`,
          type: 'string_too_long',
        },
      ]);
    }
    expect(healthMs).toBeLessThan(1000);
    expect(await countRows(suite.database, suite.service.dataDir, 'tasks')).toBe(0);
    record(
      'e-mail body and html of 100 KiB + 1 byte',
      2,
      'limit 100 KiB per string; 422',
      healthMs,
    );
  });

  it('answers 408 to headers trickled a byte at a time, and closes the connection', async () => {
    const { result: answer, healthMs } = await measured(() =>
      trickle('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 'a'),
    );
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      detail: `The request headers did not arrive within the ${HEADERS_TIMEOUT_MS / 1000} s limit (HTTP_HEADERS_TIMEOUT_MS)`,
    });
    expect(answer.head).toMatch(/^X-Content-Type-Options: nosniff$/im);
    expect(healthMs).toBeLessThan(1000);
    record(
      'headers trickled one byte per 300 ms',
      1,
      `limit ${HEADERS_TIMEOUT_MS / 1000} s (HTTP_HEADERS_TIMEOUT_MS, 15 s by default); 408 after ${(answer.elapsedMs / 1000).toFixed(1)} s, connection closed`,
      healthMs,
    );
  });

  it('answers 408 to a JSON body trickled a byte at a time, and keeps no task', async () => {
    const { result: answer, healthMs } = await measured(() =>
      trickle(
        'POST /api/tasks/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100000\r\n\r\n{"task_type":"csv_processing","input_params":{"pad":"',
        'a',
      ),
    );
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      detail: `The request body did not arrive within the ${BODY_TIMEOUT_MS / 1000} s limit (HTTP_BODY_TIMEOUT_MS)`,
    });
    expect(answer.head).toMatch(/^Content-Security-Policy: /im);
    expect(healthMs).toBeLessThan(1000);
    expect(await countRows(suite.database, suite.service.dataDir, 'tasks')).toBe(0);
    record(
      'JSON body trickled one byte per 300 ms',
      1,
      `limit ${BODY_TIMEOUT_MS / 1000} s (HTTP_BODY_TIMEOUT_MS, 30 s by default); 408, 0 rows`,
      healthMs,
    );
  });

  it('answers 408 to an upload that stops sending, and keeps no file', async () => {
    const { result: answer, healthMs } = await measured(() =>
      trickle(
        'POST /api/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=XX\r\n' +
          'Content-Length: 1000000\r\n\r\n--XX\r\nContent-Disposition: form-data; name="file"; ' +
          'filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n' +
          'a,b\n1,2\n'.repeat(2000),
        '',
      ),
    );
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({
      detail: `The upload paused for more than the ${UPLOAD_IDLE_MS / 1000} s limit (UPLOAD_IDLE_TIMEOUT_MS)`,
    });
    expect(healthMs).toBeLessThan(1000);
    // The partial file goes as the connection closes.
    await waitFor(
      'the partial upload to be removed',
      () => filesIn(join(suite.service.dataDir, 'uploads')).length === 0,
      { timeoutMs: 5000 },
    );
    expect(await countRows(suite.database, suite.service.dataDir, 'files')).toBe(0);
    record(
      'upload that stops after 16 KB',
      1,
      `limit ${UPLOAD_IDLE_MS / 1000} s idle (UPLOAD_IDLE_TIMEOUT_MS, 30 s by default); 408, 0 files`,
      healthMs,
    );
  });

  it('elides large input_params fields in lists, keeps them whole on the task, and filters retries', async () => {
    const large = 'x'.repeat(90 * 1024);
    const tasks = 30;
    const submitted = [];
    for (let index = 0; index < tasks; index++) {
      submitted.push(
        await suite.api.submit('email_sending', {
          recipients: [`user${index}@example.com`],
          subject: 'Hi',
          body: large,
        }),
      );
    }
    const parallel = 6;
    const { result: lists, healthMs } = await measured(() =>
      Promise.all(
        Array.from({ length: parallel }, () =>
          fetch(`${suite.service.url}/api/tasks/?limit=100`).then(async (response) => ({
            status: response.status,
            text: await response.text(),
          })),
        ),
      ),
    );
    for (const list of lists) {
      expect(list.status).toBe(200);
      // 30 tasks of 90 KiB each would be 2.7 MB.
      expect(list.text.length).toBeLessThan(tasks * 2048);
      const page = JSON.parse(list.text) as { tasks: { input_params: Record<string, unknown> }[] };
      for (const task of page.tasks) {
        expect(task.input_params.body).toEqual({ elided_bytes: large.length + 2 });
        expect(task.input_params.subject).toBe('Hi');
      }
    }
    expect((await suite.api.get(submitted[0].id)).input_params.body).toBe(large);
    expect(healthMs).toBeLessThan(1000);
    record(
      `6 parallel lists of ${tasks} tasks with 90 KiB parameters`,
      parallel,
      `fields over 4 KiB elided in lists; 200 of ${lists[0].text.length} bytes instead of ~${Math.round((tasks * large.length) / 1e6)} MB`,
      healthMs,
    );

    // retry_of: a task's retries, from the server, in one request. A paced task is cancelled
    // while PENDING or RUNNING, and retried twice.
    const paced = { num_emails: 3, delay_per_email: 20 };
    const from = await suite.api.submit('email_sending', paced);
    expect((await suite.api.request('DELETE', `/api/tasks/${from.id}`)).status).toBe(200);
    const retries: string[] = [];
    for (let index = 0; index < 2; index++) {
      const answer = await suite.api.request<{ id: string }>('POST', `/api/tasks/${from.id}/retry`);
      expect(answer.status).toBe(200);
      retries.push(answer.body.id);
      await suite.api.request('DELETE', `/api/tasks/${answer.body.id}`);
    }
    const filtered = await suite.api.request<{ tasks: { id: string }[]; total: number }>(
      'GET',
      `/api/tasks/?retry_of=${from.id.toUpperCase()}`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.total).toBe(2);
    expect(filtered.body.tasks.map((task) => task.id)).toEqual([...retries].reverse());
    const invalid = await suite.api.request('GET', '/api/tasks/?retry_of=abc');
    expect(invalid.status).toBe(422);
    expect(invalid.body).toEqual({
      detail: [
        {
          loc: ['query', 'retry_of'],
          msg: 'retry_of must be a task id (a UUID)',
          type: expect.any(String) as unknown,
        },
      ],
    });
  });

  it('sends security headers and no X-Powered-By on parser errors and preflights', async () => {
    const url = suite.service.url;
    const answers = await Promise.all([
      fetch(`${url}/api/tasks/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"pad":"${'x'.repeat(1_100_000)}"}`,
      }),
      fetch(`${url}/api/tasks/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"task_type":',
      }),
      fetch(`${url}/api/tasks/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=ebcdic' },
        body: '{}',
      }),
      fetch(`${url}/api/tasks/submit`, {
        method: 'OPTIONS',
        headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST' },
      }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([413, 422, 415, 204]);
    for (const answer of answers) {
      expect(answer.headers.get('x-powered-by')).toBeNull();
      expect(answer.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      // Plain HTTP: no HSTS.
      expect(answer.headers.get('strict-transport-security')).toBeNull();
    }
    expect(await answers[0].json()).toEqual({
      detail:
        'The request body is larger than the 1 MiB limit; upload large data through POST /api/files',
    });
  });

  it('sends HSTS only to clients that came over HTTPS through the trusted proxy', async () => {
    const behindTls = await fetch(`${suite.service.url}/api/tasks/stats`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(behindTls.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    const plain = await fetch(`${suite.service.url}/api/tasks/stats`);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
  });

  it('echoes a short plain X-Request-Id, and replaces any other', async () => {
    const echo = async (id: string): Promise<string | null> =>
      (
        await fetch(`${suite.service.url}/api/tasks/stats`, { headers: { 'x-request-id': id } })
      ).headers.get('x-request-id');
    expect(await echo('trace-0123456789abcdef')).toBe('trace-0123456789abcdef');
    const given: string[] = [];
    for (const id of ['a'.repeat(8192), 'a'.repeat(65), 'id with spaces', '<script>']) {
      const answered = await echo(id);
      expect(answered).not.toBe(id);
      expect(answered).toMatch(/^[0-9a-f-]{36}$/);
      given.push(answered!);
    }
    // Nor is it written to the log: the request is logged under the id it was given.
    await waitFor('the requests to be logged', () =>
      given.every((id) => suite.service.process.output().includes(id)),
    );
    const log = suite.service.process.output();
    expect(log).not.toContain('a'.repeat(65));
    expect(log).not.toContain('id with spaces');
  });

  it('does not build or serve the dashboard source map', async () => {
    const assets = join(PROJECT_ROOT, 'client', 'dist', 'assets');
    const scripts = readdirSync(assets).filter((name) => name.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    expect(readdirSync(assets).filter((name) => name.endsWith('.map'))).toEqual([]);
    const map = await fetch(`${suite.service.url}/assets/${scripts[0]}.map`);
    expect(await map.text()).not.toContain('"sources"');
  });
});

describe('abuse: what a failed task and a failed start say in public', () => {
  let service: TestService | undefined;

  afterAll(async () => {
    await service?.stop();
  });

  it('stores no internal address in a task that could not reach its SMTP server', async () => {
    const closedPort = await freePort();
    const own = isolatedDatabase();
    try {
      service = await startService({
        ...own.env,
        SMTP_URL: `smtp://127.0.0.1:${closedPort}`,
        SMTP_RETRY_ATTEMPTS: '1',
        EMAIL_ATTEMPTS: '1',
      });
      const base = service.url;
      const answer = await fetch(`${base}/api/tasks/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: submitBody({ recipients: ['a@example.com'], subject: 'Hi' }),
      });
      const task = (await answer.json()) as { id: string };
      const failed = await waitFor(
        'the task to fail',
        async () => {
          const current = (await (await fetch(`${base}/api/tasks/${task.id}`)).json()) as {
            status: string;
            error_message: string | null;
            result_data: unknown;
          };
          return current.status === 'FAILED' ? current : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const shown = JSON.stringify(failed);
      expect(failed.error_message).toMatch(/still failing/);
      expect(shown).not.toContain('127.0.0.1');
      expect(shown).not.toContain(String(closedPort));
      expect(shown).not.toContain(service.dataDir);
      // The log keeps the detail.
      await waitFor('the log to name the address', () =>
        service!.process.output().includes(`127.0.0.1:${closedPort}`),
      );
    } finally {
      await service?.stop();
      service = undefined;
      await own.drop();
    }
  });

  it('closes connections over HTTP_MAX_CONNECTIONS at once, and serves again when they go', async () => {
    const own = isolatedDatabase();
    const limit = 20;
    const sockets: Socket[] = [];
    try {
      service = await startService({ ...own.env, HTTP_MAX_CONNECTIONS: String(limit) });
      const port = Number(new URL(service.url).port);
      const open = (): Promise<Socket> =>
        new Promise((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
        });
      // Idle connections that send nothing, as many as the limit allows.
      for (let index = 0; index < limit; index++) sockets.push(await open());
      const extra = await open();
      const refused = await new Promise<boolean>((resolve) => {
        extra.once('close', () => resolve(true));
        extra.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        setTimeout(() => resolve(false), 5000).unref();
      });
      expect(refused).toBe(true);
      for (const socket of sockets) socket.destroy();
      const health = await waitFor('the service to take connections again', async () => {
        const response = await fetch(`${service!.url}/api/health`).catch(() => undefined);
        return response?.status === 200 ? response : undefined;
      });
      expect(health.status).toBe(200);
      record(
        `${limit + 1} idle connections against HTTP_MAX_CONNECTIONS=${limit}`,
        limit + 1,
        `limit ${limit} connections (2,000 by default); connection ${limit + 1} closed unanswered, health 200 once they closed`,
        null,
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await service?.stop();
      service = undefined;
      await own.drop();
    }
  });

  it.each([
    ['DATABASE_URL', 'postgres://app:pa/ss word@127.0.0.1:5432/conveyor'],
    ['REDIS_URL', 'redis://:pa/ss word@127.0.0.1:6379'],
    ['SMTP_URL', 'smtp://user:pa/ss@127.0.0.1:2525'],
    ['SMTP_URL', 'smtp://user:pa ss@127.0.0.1:2525'],
  ])('never prints the password of %s=%s at start-up', (name, value) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-abuse-'));
    try {
      const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'main.js')], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', [name]: value },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      const printed = `${result.stdout}${result.stderr}`;
      expect(printed).toContain(name);
      expect(printed).toContain('percent-encode');
      expect(printed).not.toMatch(/pa\/ss|pa ss|ss word/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
