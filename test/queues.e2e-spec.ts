import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { TestSmtpServer } from './utils/test-smtp-server';
import { waitFor } from './utils/wait-for';

interface QueueState {
  task_type: string;
  paused: boolean;
  waiting: number;
  scheduled: number;
  running: number;
  workers: number;
  rate_per_second: number | null;
}

const CSV_RATE = 2;
const SMTP_RATE = 4;
/** Longer than the recovery sweep's grace for a PENDING row plus one sweep interval (5 s + 5 s). */
const HOLD_MS = 12_000;

/** When each task started, in ms since the epoch, read from SQL itself. */
async function startTimes(
  database: DatabaseEnv,
  dataDir: string,
  ids: string[],
): Promise<number[]> {
  const wanted = new Set(ids);
  let rows: { id: string; started: number | string | null }[];
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'), { readonly: true });
    try {
      rows = db
        .prepare(
          `SELECT id, (julianday(started_at) - 2440587.5) * 86400000.0 AS started FROM tasks`,
        )
        .all() as typeof rows;
    } finally {
      db.close();
    }
  } else {
    const client = new Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      const result = await client.query<{ id: string; started: string | null }>(
        `SELECT id, EXTRACT(EPOCH FROM started_at) * 1000 AS started FROM "${database.schema}".tasks`,
      );
      rows = result.rows;
    } finally {
      await client.end();
    }
  }
  return rows
    .filter((row) => wanted.has(row.id) && row.started !== null)
    .map((row) => Number(row.started))
    .sort((a, b) => a - b);
}

/** The most events that fall into one calendar second. */
const mostInOneSecond = (times: number[]): number => {
  const perSecond = new Map<number, number>();
  for (const time of times) {
    const second = Math.floor(time / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(...perSecond.values());
};

describe(`queues: pause, resume and global rates with two workers (${TEST_DATABASE})`, () => {
  const adminKey = adminApiKey();
  let smtp: TestSmtpServer;
  let database: DatabaseEnv;
  let service: TestService;
  let admin: ApiClient;
  let viewer: CreatedKey;
  let operator: CreatedKey;
  let projectAdmin: CreatedKey;
  /** Only admin keys may be of every project (`*`), so this is who steers the shared queues. */
  let globalOperator: CreatedKey;

  const queues = async (client: ApiClient = admin): Promise<QueueState[]> => {
    const answer = await client.request<QueueState[]>('GET', '/api/queues');
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const queueOf = async (type: string): Promise<QueueState> =>
    (await queues()).find((queue) => queue.task_type === type) as QueueState;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    database = isolatedDatabase();
    // The rates are in the shared environment, so the API and both workers read the same.
    service = await startService({
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: adminKey,
      SMTP_URL: smtp.url,
      SMTP_RATE_PER_SECOND: String(SMTP_RATE),
      RATE_CSV_PER_SECOND: String(CSV_RATE),
      // One e-mail task per worker at a time, so two tasks send from two processes at once.
      EMAIL_CONCURRENCY: '1',
      ...database.env,
    });
    service.spawnPeer({ APP_ROLE: 'worker' });
    service.spawnPeer({ APP_ROLE: 'worker' });
    admin = new ApiClient(service.url, bearer(adminKey));
    viewer = await createKey(service.url, adminKey, {
      name: 'watcher',
      role: 'viewer',
      project: 'alpha',
    });
    operator = await createKey(service.url, adminKey, {
      name: 'alpha-operator',
      role: 'operator',
      project: 'alpha',
    });
    projectAdmin = await createKey(service.url, adminKey, {
      name: 'alpha-admin',
      role: 'admin',
      project: 'alpha',
    });
    globalOperator = await createKey(service.url, adminKey, {
      name: 'on-call',
      role: 'admin',
      project: '*',
    });
    await waitFor(
      'both workers on every queue',
      async () => (await queues()).every((queue) => queue.workers === 2),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await database?.drop();
  });

  it('shows every queue to a viewer, with its counts, workers and rate', async () => {
    const states = await queues(viewer.api);
    expect(states.map((queue) => queue.task_type)).toEqual([
      'csv_processing',
      'email_sending',
      'image_processing',
    ]);
    expect(states[0]).toEqual({
      task_type: 'csv_processing',
      paused: false,
      waiting: 0,
      scheduled: 0,
      running: 0,
      workers: 2,
      rate_per_second: CSV_RATE,
    });
    expect(states[2].rate_per_second).toBeNull();
  });

  it('asks for a key, the operator role and a key of every project to pause', async () => {
    expect((await new ApiClient(service.url).request('GET', '/api/queues')).status).toBe(401);
    const byViewer = await viewer.api.request<{ detail: string }>(
      'POST',
      '/api/queues/csv_processing/pause',
    );
    expect(byViewer.status).toBe(403);
    expect(byViewer.body.detail).toMatch(/operator/);
    const byProjectOperator = await operator.api.request<{ detail: string }>(
      'POST',
      '/api/queues/csv_processing/pause',
    );
    expect(byProjectOperator.status).toBe(403);
    expect(byProjectOperator.body.detail).toMatch(/every project.*project \*/);
    // Even an admin of one project: the queue holds the other projects' tasks too.
    const byProjectAdmin = await projectAdmin.api.request<{ detail: string }>(
      'POST',
      '/api/queues/csv_processing/resume',
    );
    expect(byProjectAdmin.status).toBe(403);
    expect(byProjectAdmin.body.detail).toMatch(/project alpha/);
    expect((await queueOf('csv_processing')).paused).toBe(false);

    const unknown = await globalOperator.api.request<{ detail: string }>(
      'POST',
      '/api/queues/pdf_rendering/pause',
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/csv_processing, email_sending, image_processing/);
  });

  it('holds submitted tasks while paused, past the recovery sweep, and runs them on resume', async () => {
    const paused = await globalOperator.api.request<QueueState>(
      'POST',
      '/api/queues/image_processing/pause',
    );
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ task_type: 'image_processing', paused: true });

    const held = await operator.api.submit('image_processing', { num_images: 1 });
    expect(held.status).toBe('PENDING');
    // Polled until the deadline: every status seen while paused must be PENDING.
    const holdUntil = Date.now() + HOLD_MS;
    const seen: string[] = [];
    await waitFor(
      'the hold to last past the recovery sweep',
      async () => {
        seen.push((await operator.api.get(held.id)).status);
        return Date.now() >= holdUntil;
      },
      { timeoutMs: HOLD_MS + 30_000, intervalMs: 500 },
    );
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen)).toEqual(new Set(['PENDING']));
    // Still exactly one waiting job: the sweep neither lost nor duplicated it.
    expect(await queueOf('image_processing')).toMatchObject({
      paused: true,
      waiting: 1,
      workers: 2,
    });

    const resumed = await globalOperator.api.request<QueueState>(
      'POST',
      '/api/queues/image_processing/resume',
    );
    expect(resumed.status).toBe(200);
    expect(resumed.body.paused).toBe(false);
    const done = await operator.api.waitForStatus(held.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCESS');

    const audit = await admin.request<{
      entries: { action: string; resource: string; actor_name: string }[];
    }>('GET', '/api/audit?limit=100');
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'queue.pause',
          resource: 'image_processing',
          actor_name: 'on-call',
        }),
        expect.objectContaining({
          action: 'queue.resume',
          resource: 'image_processing',
          actor_name: 'on-call',
        }),
      ]),
    );
  });

  it('starts no more csv tasks per second than RATE_CSV_PER_SECOND across both workers', async () => {
    const count = 12;
    const tasks: TaskResponse[] = [];
    for (let i = 0; i < count; i++)
      tasks.push(await operator.api.submit('csv_processing', { num_rows: 20 }));
    await Promise.all(
      tasks.map((task) => operator.api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 120_000)),
    );
    const starts = await startTimes(
      database,
      service.dataDir,
      tasks.map((task) => task.id),
    );
    expect(starts).toHaveLength(count);
    // BullMQ counts starts in a fixed window opened by its first start, so 12 starts at 2 per
    // window span at least 5 windows (unlimited, the 8 slots of two workers start them at once).
    // The timestamps are written just after each start, so allow them a second of lag.
    expect(starts[count - 1] - starts[0]).toBeGreaterThanOrEqual((count / CSV_RATE - 2) * 1000);
    // The window need not align with the clock's seconds, and a start written late can cross
    // into the next second: one over the rate, never the double that two workers alone give.
    expect(mostInOneSecond(starts)).toBeLessThanOrEqual(CSV_RATE + 1);
  });

  it('sends no more mail per second than SMTP_RATE_PER_SECOND across both workers', async () => {
    const perTask = 10;
    const recipients = (tag: string) =>
      Array.from({ length: perTask }, (_, i) => ({ email: `rate-${tag}-${i}@example.com` }));
    smtp.received.length = 0;
    const tasks = await Promise.all(
      ['a', 'b'].map((tag) =>
        operator.api.submit('email_sending', {
          recipients: recipients(tag),
          subject: 'Rate',
          body: 'Paced across workers',
          delay_per_email: 0,
        }),
      ),
    );
    const done = await Promise.all(
      tasks.map((task) => operator.api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 120_000)),
    );
    expect(done.map((task) => task.status)).toEqual(['SUCCESS', 'SUCCESS']);
    // With EMAIL_CONCURRENCY=1 each worker runs one task: both sent at the same time.
    const [first, second] = done;
    expect(Date.parse(first.started_at as string)).toBeLessThan(
      Date.parse(second.completed_at as string),
    );
    expect(Date.parse(second.started_at as string)).toBeLessThan(
      Date.parse(first.completed_at as string),
    );

    const arrivals = smtp.received.map((mail) => mail.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(2 * perTask);
    // 20 messages spaced 1/4 s apart take 4.75 s; each worker pacing alone would take half.
    expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(
      ((2 * perTask - 1) / SMTP_RATE) * 1000 - 750,
    );
    // Starts are paced; an arrival is its start plus the time to reach this server, which runs
    // in the test process, so a busy host can hold a message up to about one interval and bunch it
    // with the next second's: two over the rate at most, never the double of two workers alone.
    expect(mostInOneSecond(arrivals)).toBeLessThanOrEqual(SMTP_RATE + 2);
  });
});
