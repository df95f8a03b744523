import { readdirSync, statSync } from 'node:fs';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiAnswer, ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { expectHealthUnaffected, HealthProbe, startHealthProbe } from './utils/health-probe';
import { SseReader } from './utils/sse-reader';
import { freePort } from './utils/start-service';
import { serviceForSuite } from './utils/suite-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';

// These suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(300_000);

/** §8: every refusal names the limit and its value. */
const detailOf = (answer: ApiAnswer): string => (answer.body as { detail: string }).detail;

/**
 * Asks /api/health over and over while an attack runs; `stop` answers the slowest answer's
 * time and whether every answer was a 200.
 */
const probes: HealthProbe[] = [];
// A test that failed half-way still stops its probe.
afterAll(() => Promise.all(probes.map((probe) => probe.stop().catch(() => undefined))));

async function probeHealth(url: string): Promise<HealthProbe> {
  const probe = await startHealthProbe(url);
  probes.push(probe);
  return probe;
}

/** Files under a folder, at any depth: what a refused upload must not leave behind. */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

describe(`Abuse: rate limit per key, across two API instances, on ${TEST_DATABASE}`, () => {
  const ADMIN_KEY = adminApiKey();
  const LIMIT = 40;
  const suite = serviceForSuite({
    APP_ROLE: 'api',
    AUTH_MODE: 'keys',
    ADMIN_API_KEY: ADMIN_KEY,
    RATE_LIMIT_PER_MINUTE: String(LIMIT),
  });
  let secondUrl: string;
  let flooder: CreatedKey;
  let neighbour: CreatedKey;

  beforeAll(async () => {
    const port = await freePort();
    suite.service.spawnPeer({ PORT: String(port) });
    secondUrl = `http://127.0.0.1:${port}`;
    await waitFor(
      'the second API instance',
      async () => (await fetch(`${secondUrl}/api/health`)).status === 200,
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    flooder = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'flooder',
      role: 'operator',
      project: 'alpha',
    });
    neighbour = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'neighbour',
      role: 'operator',
      project: 'alpha',
    });
  });

  it('answers 429 with Retry-After and {detail} past the limit, counted once across both instances; health stays exempt and quick', async () => {
    const second = new ApiClient(secondUrl, bearer(flooder.key));
    const health = await probeHealth(suite.service.url);
    const requests = 2 * LIMIT;
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        (i % 2 === 0 ? flooder.api : second).request('GET', '/api/tasks/?limit=1'),
      ),
    );
    // Health is exempt: a burst of its own from the same address is never refused.
    const healthBurst = await Promise.all(
      Array.from({ length: LIMIT + 5 }, () => fetch(`${suite.service.url}/api/health`)),
    );
    const probed = await health.stop();

    const accepted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted.length + refused.length).toBe(requests);
    // One count in Redis for the key, whichever instance answered.
    expect(accepted).toHaveLength(LIMIT);
    for (const answer of refused) {
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(detailOf(answer)).toContain(`RATE_LIMIT_PER_MINUTE is ${LIMIT}`);
    }
    expect(healthBurst.every((response) => response.status === 200)).toBe(true);
    expectHealthUnaffected(probed);

    // Per key: another key of the same project and address is not held back.
    expect((await neighbour.api.request('GET', '/api/tasks/?limit=1')).status).toBe(200);

    recordFaultRow({
      scenario: 'Abuse: request flood (one key, two API instances)',
      database: TEST_DATABASE,
      tasks: requests,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `RATE_LIMIT_PER_MINUTE=${LIMIT}: ${accepted.length} answered, ${refused.length} got 429 + Retry-After; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });
});

describe(`Abuse: rate limit per address in open mode, on ${TEST_DATABASE}`, () => {
  const LIMIT = 10;
  const suite = serviceForSuite({ APP_ROLE: 'api', RATE_LIMIT_PER_MINUTE: String(LIMIT) });

  it('counts requests per client address when no key is asked', async () => {
    const answers: ApiAnswer[] = [];
    for (let i = 0; i < LIMIT + 3; i++) answers.push(await suite.api.request('GET', '/api/tasks/'));
    expect(answers.slice(0, LIMIT).every((answer) => answer.status === 200)).toBe(true);
    for (const answer of answers.slice(LIMIT)) {
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(detailOf(answer)).toContain(`RATE_LIMIT_PER_MINUTE is ${LIMIT}`);
    }
    expect((await fetch(`${suite.service.url}/api/health`)).status).toBe(200);
  });
});

describe(`Abuse: unknown keys per address, on ${TEST_DATABASE}`, () => {
  const ADMIN_KEY = adminApiKey();
  const FAILURES = 5;
  // TRUST_PROXY lets the suite speak from several addresses through X-Forwarded-For.
  const suite = serviceForSuite({
    APP_ROLE: 'api',
    AUTH_MODE: 'keys',
    ADMIN_API_KEY: ADMIN_KEY,
    TRUST_PROXY: '1',
    AUTH_FAILURES_PER_MINUTE: String(FAILURES),
  });
  const from = (address: string, headers: Record<string, string> = {}) => ({
    'x-forwarded-for': address,
    ...headers,
  });
  const guess = (address: string, n: number) =>
    fetch(`${suite.service.url}/api/tasks/`, {
      headers: from(address, bearer(`cvk_${'x'.repeat(40)}${n}`)),
    });

  it('holds back an address after AUTH_FAILURES_PER_MINUTE unknown keys, whatever it sends next; other addresses and key-less requests are not counted', async () => {
    const guesses: Response[] = [];
    for (let i = 0; i < FAILURES; i++) guesses.push(await guess('203.0.113.7', i));
    expect(guesses.map((answer) => answer.status)).toEqual(Array(FAILURES).fill(401));

    const held = await fetch(`${suite.service.url}/api/tasks/`, {
      headers: from('203.0.113.7', bearer(ADMIN_KEY)),
    });
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await held.json()) as { detail: string }).detail).toContain(
      `AUTH_FAILURES_PER_MINUTE is ${FAILURES}`,
    );

    // Signing in with a key is refused from the held address too, before any look-up.
    const signIn = await fetch(`${suite.service.url}/api/session`, {
      method: 'POST',
      headers: from('203.0.113.7', { ...bearer(ADMIN_KEY), 'x-conveyor-client': 'dashboard' }),
    });
    expect(signIn.status).toBe(429);

    // Another address with a valid key is not affected; requests with no key are not guesses.
    const neighbour = await fetch(`${suite.service.url}/api/tasks/`, {
      headers: from('198.51.100.4', bearer(ADMIN_KEY)),
    });
    expect(neighbour.status).toBe(200);
    for (let i = 0; i < FAILURES + 3; i++) {
      const keyless = await fetch(`${suite.service.url}/api/tasks/`, {
        headers: from('198.51.100.5'),
      });
      expect(keyless.status).toBe(401);
    }
  });

  it('counts unknown keys sent to the sign-in route as guesses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= FAILURES; i++) {
      const answer = await fetch(`${suite.service.url}/api/session`, {
        method: 'POST',
        headers: from('192.0.2.9', {
          ...bearer(`cvk_${'y'.repeat(40)}${i}`),
          'x-conveyor-client': 'dashboard',
        }),
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array<number>(FAILURES).fill(401), 429]);
  });
});

describe(`Abuse: quotas per project, on ${TEST_DATABASE}`, () => {
  const ACTIVE = 3;
  const EMAILS = 25;
  const STORAGE = 3000;
  // No worker: tasks stay PENDING, so that they count as unfinished until cancelled.
  const suite = serviceForSuite({
    APP_ROLE: 'api',
    QUOTA_ACTIVE_TASKS: String(ACTIVE),
    QUOTA_EMAILS_PER_DAY: String(EMAILS),
    QUOTA_STORAGE_BYTES: String(STORAGE),
  });

  const total = async (): Promise<number> =>
    (await suite.api.request<{ total: number }>('GET', '/api/tasks/?limit=1')).body.total;
  const cancelAll = async (ids: string[]): Promise<void> => {
    for (const id of ids)
      expect((await suite.api.request('DELETE', `/api/tasks/${id}`)).status).toBe(200);
  };

  it(`refuses the unfinished task past QUOTA_ACTIVE_TASKS with 429, at submit and at retry`, async () => {
    const health = await probeHealth(suite.service.url);
    const ids: string[] = [];
    for (let i = 0; i < ACTIVE; i++) ids.push((await suite.api.submit('csv_processing')).id);
    const refused = await suite.api.request('POST', '/api/tasks/submit', {
      task_type: 'csv_processing',
      input_params: {},
    });
    expect(refused.status).toBe(429);
    expect(detailOf(refused)).toContain(`QUOTA_ACTIVE_TASKS is ${ACTIVE}`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await total()).toBe(ACTIVE);

    // A retry creates a task too: allowed below the quota, refused at it.
    await cancelAll([ids[0]]);
    const retried = await suite.api.request<TaskResponse>('POST', `/api/tasks/${ids[0]}/retry`);
    expect(retried.status).toBe(200);
    const refusedRetry = await suite.api.request('POST', `/api/tasks/${ids[0]}/retry`);
    expect(refusedRetry.status).toBe(429);
    expect(detailOf(refusedRetry)).toContain(`QUOTA_ACTIVE_TASKS is ${ACTIVE}`);
    expect(await total()).toBe(ACTIVE + 1);
    const probed = await health.stop();
    expectHealthUnaffected(probed);
    await cancelAll([...ids.slice(1), retried.body.id]);

    recordFaultRow({
      scenario: 'Abuse: unfinished tasks past the quota',
      database: TEST_DATABASE,
      tasks: ACTIVE + 3,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `QUOTA_ACTIVE_TASKS=${ACTIVE}: 429 at submit and retry, no row added; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });

  it('refuses e-mail recipients past QUOTA_EMAILS_PER_DAY with 429 and counts nothing for the refusal', async () => {
    const health = await probeHealth(suite.service.url);
    const before = await total();
    const first = await suite.api.submit('email_sending', { num_emails: 20 });
    const refused = await suite.api.request('POST', '/api/tasks/submit', {
      task_type: 'email_sending',
      input_params: { num_emails: 10 },
    });
    expect(refused.status).toBe(429);
    expect(detailOf(refused)).toContain(`QUOTA_EMAILS_PER_DAY is ${EMAILS}`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await total()).toBe(before + 1);
    // The refused 10 were not counted: the last 5 of the day still fit.
    const last = await suite.api.submit('email_sending', { num_emails: 5 });
    const probed = await health.stop();
    expectHealthUnaffected(probed);
    await cancelAll([first.id, last.id]);

    recordFaultRow({
      scenario: 'Abuse: e-mail recipients past the daily quota',
      database: TEST_DATABASE,
      tasks: 3,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `QUOTA_EMAILS_PER_DAY=${EMAILS}: 429 for 20+10, the refused 10 not counted; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });

  it('refuses an upload past QUOTA_STORAGE_BYTES with 413 and keeps no file or row of it', async () => {
    const health = await probeHealth(suite.service.url);
    const csv = (bytes: number): Buffer =>
      Buffer.from(`a,b\n${'1,2\n'.repeat(Math.floor((bytes - 4) / 4))}`);
    const uploadsDir = join(suite.service.dataDir, 'uploads');
    const first = await upload(suite.service.url, csv(2000), 'first.csv');
    expect(first.status).toBe(201);
    const filesBefore = filesUnder(uploadsDir);
    const refused = await upload(suite.service.url, csv(2000), 'second.csv');
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toContain(`QUOTA_STORAGE_BYTES is ${STORAGE}`);
    expect(filesUnder(uploadsDir)).toEqual(filesBefore);
    // A smaller one still fits, so the refused upload was not counted.
    expect((await upload(suite.service.url, csv(800), 'third.csv')).status).toBe(201);
    const probed = await health.stop();
    expectHealthUnaffected(probed);

    recordFaultRow({
      scenario: 'Abuse: uploads past the storage quota',
      database: TEST_DATABASE,
      tasks: 3,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `QUOTA_STORAGE_BYTES=${STORAGE}: 413, no file or row kept; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });
});

describe(`Abuse: task outputs in the storage quota, on ${TEST_DATABASE}`, () => {
  const STORAGE = 1000;
  // With a worker: the image task runs, and what it writes counts against the quota.
  const suite = serviceForSuite({ APP_ROLE: 'all', QUOTA_STORAGE_BYTES: String(STORAGE) });

  it("counts an image task's outputs, then refuses the next upload and image task with 413, keeping nothing of them", async () => {
    const health = await probeHealth(suite.service.url);
    const uploadsDir = join(suite.service.dataDir, 'uploads');
    const small = await upload(suite.service.url, Buffer.from('a,b\n1,2\n'), 'small.csv');
    expect(small.status).toBe(201);
    const task = await suite.api.submit('image_processing', {
      num_images: 2,
      target_width: 64,
      target_height: 64,
      format: 'png',
    });
    expect((await suite.api.waitForStatus(task.id, ['SUCCESS', 'FAILED'])).status).toBe('SUCCESS');
    const outputBytes = filesUnder(join(suite.service.dataDir, 'tasks', task.id, 'outputs'))
      .map((path) => statSync(path).size)
      .reduce((sum, size) => sum + size, 0);
    // The premise: the outputs alone take the project past the quota.
    expect(outputBytes).toBeGreaterThan(STORAGE);

    const uploadsBefore = filesUnder(uploadsDir);
    const tasksBefore = (await suite.api.request<{ total: number }>('GET', '/api/tasks/?limit=1'))
      .body.total;
    const refusedUpload = await upload(suite.service.url, Buffer.from('a\n1\n'), 'tiny.csv');
    expect(refusedUpload.status).toBe(413);
    expect(refusedUpload.body.detail).toContain(`QUOTA_STORAGE_BYTES is ${STORAGE}`);
    expect(refusedUpload.body.detail).toContain(`${outputBytes} outputs`);
    expect(filesUnder(uploadsDir)).toEqual(uploadsBefore);

    const refusedTask = await suite.api.request('POST', '/api/tasks/submit', {
      task_type: 'image_processing',
      input_params: { num_images: 1, target_width: 16, target_height: 16 },
    });
    expect(refusedTask.status).toBe(413);
    expect(detailOf(refusedTask)).toContain(`QUOTA_STORAGE_BYTES is ${STORAGE}`);
    expect(
      (await suite.api.request<{ total: number }>('GET', '/api/tasks/?limit=1')).body.total,
    ).toBe(tasksBefore);
    expect(readdirSync(join(suite.service.dataDir, 'tasks'))).toEqual([task.id]);
    // A task that writes no files is not held back by the storage quota.
    expect((await suite.api.submit('csv_processing')).id).toBeTruthy();
    const probed = await health.stop();
    expectHealthUnaffected(probed);

    recordFaultRow({
      scenario: 'Abuse: task outputs past the storage quota',
      database: TEST_DATABASE,
      tasks: 3,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `QUOTA_STORAGE_BYTES=${STORAGE}: image outputs of ${outputBytes} bytes counted; 413 at upload and image submit, no file or row kept; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });
});

describe(`Abuse: event streams, on ${TEST_DATABASE}`, () => {
  const ADMIN_KEY = adminApiKey();
  const MAX = 4;
  const PER_KEY = 2;
  const HEARTBEAT_MS = 300;
  // Above what a reader that keeps up may have unsent after a bulk's burst of events (250
  // events, ~60 KB), even with two bursts read from Redis at once.
  const BUFFER_BYTES = 256 * 1024;
  const BULK = 250;
  const suite = serviceForSuite({
    APP_ROLE: 'api',
    AUTH_MODE: 'keys',
    ADMIN_API_KEY: ADMIN_KEY,
    SSE_MAX_CLIENTS: String(MAX),
    SSE_MAX_CLIENTS_PER_KEY: String(PER_KEY),
    SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    SSE_BUFFER_BYTES: String(BUFFER_BYTES),
    // The slow-reader attack submits as fast as it can.
    RATE_LIMIT_PER_MINUTE: '1000000',
    QUOTA_ACTIVE_TASKS: '1000000',
  });
  const readers: SseReader[] = [];
  let alpha: CreatedKey;
  let beta: CreatedKey;
  let gamma: CreatedKey;

  const open = async (key: CreatedKey): Promise<SseReader> => {
    const reader = await SseReader.open(`${suite.service.url}/api/events`, bearer(key.key));
    readers.push(reader);
    return reader;
  };
  const closeAll = async (): Promise<void> => {
    for (const reader of readers.splice(0)) reader.close();
    // The server counts a stream as closed once its socket is: wait until a full set fits again.
    await waitFor('the closed streams to be released', async () => {
      const probe = await tryStream(suite.service.url, gamma.key);
      return probe.status === 200;
    });
  };
  const eventFor = (reader: SseReader, taskId: string) =>
    reader.waitForMessage(`the created event of ${taskId}`, (message) =>
      message.data.includes(taskId),
    );

  beforeAll(async () => {
    const make = (name: string, project: string) =>
      createKey(suite.service.url, ADMIN_KEY, { name, role: 'operator', project });
    [alpha, beta, gamma] = await Promise.all([
      make('alpha', 'alpha'),
      make('beta', 'beta'),
      make('gamma', 'gamma'),
    ]);
  });

  afterAll(() => {
    for (const reader of readers) reader.close();
  });

  it('refuses streams past the per-key and total caps with 429, sends heartbeats, and shows each project only its events', async () => {
    const health = await probeHealth(suite.service.url);
    const alphaStreams = [await open(alpha), await open(alpha)];
    const thirdOfAlpha = await tryStream(suite.service.url, alpha.key);
    expect(thirdOfAlpha.status).toBe(429);
    expect(thirdOfAlpha.detail).toContain(`SSE_MAX_CLIENTS_PER_KEY is ${PER_KEY}`);
    expect(Number(thirdOfAlpha.retryAfter)).toBeGreaterThan(0);

    const betaStream = await open(beta);
    await open(beta);
    const fifth = await tryStream(suite.service.url, gamma.key);
    expect(fifth.status).toBe(429);
    expect(fifth.detail).toContain(`SSE_MAX_CLIENTS is ${MAX}`);
    expect(Number(fifth.retryAfter)).toBeGreaterThan(0);
    const probed = await health.stop();
    expectHealthUnaffected(probed);

    await waitFor('two heartbeats', () => alphaStreams[0].comments.length >= 2, {
      timeoutMs: 20 * HEARTBEAT_MS,
    });
    expect(alphaStreams[0].comments[0]).toBe('heartbeat');

    // Project alpha's task reaches alpha's streams only; beta sees its own next task first.
    const alphaTask = await alpha.api.submit('csv_processing');
    const betaTask = await beta.api.submit('csv_processing');
    await eventFor(alphaStreams[1], alphaTask.id);
    await eventFor(betaStream, betaTask.id);
    expect(betaStream.messages.some((message) => message.data.includes(alphaTask.id))).toBe(false);
    expect(alphaStreams[1].messages.some((message) => message.data.includes(betaTask.id))).toBe(
      false,
    );
    await closeAll();

    recordFaultRow({
      scenario: 'Abuse: event streams past the caps',
      database: TEST_DATABASE,
      tasks: MAX + 2,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `SSE_MAX_CLIENTS=${MAX}, SSE_MAX_CLIENTS_PER_KEY=${PER_KEY}: 429 past each; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });

  // The kernel's send buffer (up to tcp_wmem, 4 MiB) fills before the server sees a backlog:
  // some twenty thousand events, so they come from bulk submits.
  it('drops a reader that stops reading while the others keep receiving', async () => {
    const stalled = await stalledStream(suite.service.url, alpha.key);
    const watcher = await open(alpha);
    const drops = (): number =>
      suite.service.process.output().split('Dropped a slow event stream').length - 1;
    const dropped = (): boolean => drops() > 0;
    const health = await probeHealth(suite.service.url);
    let submitted = 0;
    await waitFor(
      'the server to drop the reader that stopped reading',
      async () => {
        const answer = await alpha.api.request('POST', '/api/tasks/bulk', {
          tasks: Array.from({ length: BULK }, () => ({
            task_type: 'csv_processing',
            input_params: { num_rows: 1 },
          })),
        });
        expect(answer.status).toBe(200);
        submitted += BULK;
        return dropped();
      },
      { timeoutMs: 240_000, intervalMs: 0 },
    );
    const probed = await health.stop();
    expectHealthUnaffected(probed);
    stalled.kill();
    // Only the reader that stopped reading: the one that kept up stays.
    expect(drops()).toBe(1);

    // The stream that kept reading is still served, and the dropped one's place is free again.
    const after = await alpha.api.submit('csv_processing');
    await eventFor(watcher, after.id);
    const replacement = await open(alpha);
    expect(replacement.response.status).toBe(200);
    await closeAll();

    recordFaultRow({
      scenario: 'Abuse: an event reader that stops reading',
      database: TEST_DATABASE,
      tasks: submitted,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes: `SSE_BUFFER_BYTES=${BUFFER_BYTES}: dropped after ${submitted} events, the other reader kept receiving; health max ${probed.healthMs} ms (before: ${probed.baselineMs} ms)`,
    });
  });
});

/** Asks for an event stream and closes it at once: its status, and a refusal's detail. */
async function tryStream(
  baseUrl: string,
  key: string,
): Promise<{ status: number; detail?: string; retryAfter: string | null }> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/events`, {
    headers: { accept: 'text/event-stream', ...bearer(key) },
    signal: controller.signal,
  });
  const retryAfter = response.headers.get('retry-after');
  if (response.status === 200) {
    controller.abort();
    return { status: 200, retryAfter };
  }
  const body = (await response.json()) as { detail: string };
  return { status: response.status, detail: body.detail, retryAfter };
}

/**
 * A client that opens an event stream and then never reads, as a stuck client does. Python,
 * because Node cannot shrink a socket's receive buffer: with the kernel's default buffers a
 * stalled reader on loopback absorbs megabytes before the server sees any backlog.
 */
async function stalledStream(baseUrl: string, key: string): Promise<ChildProcess> {
  const { hostname, port } = new URL(baseUrl);
  const script = [
    'import socket, sys, time',
    's = socket.socket()',
    's.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)',
    `s.connect((${JSON.stringify(hostname)}, ${port}))`,
    `s.sendall(b"GET /api/events HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer ${key}\\r\\nAccept: text/event-stream\\r\\n\\r\\n")`,
    'print(s.recv(12).decode(), flush=True)',
    'time.sleep(3600)',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const head = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk))),
  );
  expect(head).toMatch(/^HTTP\/1\.1 200/);
  return child;
}
