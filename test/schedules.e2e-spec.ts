import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskListResponse } from '../src/tasks/dto/task.response';
import type { ScheduleResponse } from '../src/schedules/schedule.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { sqlRows } from './utils/sql-rows';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

interface ScheduleList {
  schedules: ScheduleResponse[];
  total: number;
}

interface Problem {
  loc: (string | number)[];
  msg: string;
}

/** Waits for a process to log the port it listens on, and answers its URL. */
const urlOf = (process: ServiceProcess): Promise<string> =>
  waitFor(
    'an API instance to say which port it listens on',
    () => {
      if (process.child.exitCode !== null) throw new Error(`exited:\n${process.output()}`);
      for (const line of process.logs()) {
        const port = /listening on http:\/\/[^\s]+:(\d+)\b/.exec(String(line.msg))?.[1];
        if (port) return `http://127.0.0.1:${port}`;
      }
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

/** A time as both databases' timestamp columns take it in SQL: UTC, without the zone. */
const sqlTime = (at: Date | string): string =>
  new Date(at).toISOString().replace('T', ' ').replace('Z', '');

/** Sets a schedule's next_run_at in SQL directly, as if the service had been down since then. */
async function setNextRunAt(
  database: DatabaseEnv,
  dataDir: string,
  id: string,
  at: string,
): Promise<void> {
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'));
    try {
      db.prepare(`UPDATE schedules SET next_run_at = ? WHERE id = ?`).run(at, id);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`UPDATE "${database.schema}".schedules SET next_run_at = $1 WHERE id = $2`, [
      at,
      id,
    ]);
  } finally {
    await client.end();
  }
}

describe(`schedules: CRUD, roles, projects and one task per tick with two API instances (${TEST_DATABASE})`, () => {
  const adminKey = adminApiKey();
  let database: DatabaseEnv;
  let service: TestService;
  let admin: ApiClient;
  let viewer: CreatedKey;
  let operator: CreatedKey;
  let otherOperator: CreatedKey;
  /** The second API instance, with a ticker of its own. */
  let second: ServiceProcess;
  /** Created first, so its first tick can come while the other tests run. */
  let everyMinute: ScheduleResponse;

  const schedulesOf = (client: ApiClient) => client.request<ScheduleList>('GET', '/api/schedules');
  const tasksOf = async (client: ApiClient, scheduleId: string) => {
    const answer = await client.request<TaskListResponse>('GET', '/api/tasks/?limit=1000');
    expect(answer.status).toBe(200);
    return answer.body.tasks.filter((task) => task.schedule_id === scheduleId);
  };
  const problemsOf = (body: unknown): Problem[] => (body as { detail: Problem[] }).detail;

  beforeAll(async () => {
    database = isolatedDatabase();
    service = await startService({
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: adminKey,
      SCHEDULE_POLL_MS: '200',
      ...database.env,
    });
    admin = new ApiClient(service.url, bearer(adminKey));
    [viewer, operator, otherOperator] = await Promise.all([
      createKey(service.url, adminKey, { name: 'watcher', role: 'viewer', project: 'alpha' }),
      createKey(service.url, adminKey, { name: 'ops', role: 'operator', project: 'alpha' }),
      createKey(service.url, adminKey, { name: 'beta-ops', role: 'operator', project: 'beta' }),
    ]);
    // The second API instance: same database and Redis, its own ticker.
    second = service.spawnPeer({ APP_ROLE: 'api' });
    const secondUrl = await urlOf(second);
    await waitFor('the second API instance to answer', async () => {
      const answer = await fetch(`${secondUrl}/api/health`);
      return answer.status === 200;
    });
    const created = await operator.api.request<ScheduleResponse>('POST', '/api/schedules', {
      name: 'every minute',
      cron: '* * * * *',
      task_type: 'csv_processing',
      input_params: { num_rows: 5 },
      priority: 8,
      timeout_seconds: 120,
    });
    expect(created.status).toBe(201);
    everyMinute = created.body;
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('creates a schedule with its params checked and defaults applied, and its next runs', async () => {
    const answer = await operator.api.request<ScheduleResponse>('POST', '/api/schedules', {
      name: 'weekday mornings',
      cron: '0 9 * * 1-5',
      timezone: 'europe/paris',
      task_type: 'email_sending',
      input_params: { num_emails: 2 },
      priority: 7,
      timeout_seconds: 600,
    });
    expect(answer.status).toBe(201);
    const schedule = answer.body;
    expect(schedule).toMatchObject({
      name: 'weekday mornings',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      task_type: 'email_sending',
      priority: 7,
      timeout_seconds: 600,
      enabled: true,
      project: 'alpha',
      last_run_at: null,
      last_task_id: null,
    });
    expect(schedule.input_params).toMatchObject({ num_emails: 2, subject: 'Test Email' });
    expect(schedule.next_runs).toHaveLength(5);
    expect(schedule.next_runs[0]).toBe(schedule.next_run_at);
    for (const run of schedule.next_runs) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Paris',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      }).format(new Date(run));
      expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    const sorted = [...schedule.next_runs].sort();
    expect(schedule.next_runs).toEqual(sorted);
  });

  it.each([
    [{ cron: '*/10 * * * * *' }, 'cron', /seconds \(6 fields\) is not supported/],
    [{ cron: '@secondly' }, 'cron', /more than once a minute/],
    [{ cron: '61 * * * *' }, 'cron', /not a valid cron expression/],
    [{ cron: 'often' }, 'cron', /must have 5 fields/],
    [{ timezone: 'Mars/Olympus' }, 'timezone', /'Mars\/Olympus' is not a known IANA time zone/],
    [{ input_params: { num_rows: 0 } }, 'input_params', /num_rows/],
    [{ task_type: 'video' }, 'task_type', /Must be one of: csv_processing/],
    [{ priority: 11 }, 'priority', /priority must be an integer from 0 to 10/],
  ])('refuses %j with 422 naming the field', async (change, field, message) => {
    const answer = await operator.api.request('POST', '/api/schedules', {
      name: 'bad',
      cron: '0 * * * *',
      task_type: 'csv_processing',
      input_params: {},
      ...change,
    });
    expect(answer.status).toBe(422);
    const problem = problemsOf(answer.body).find((p) => p.loc[1] === field);
    expect(problem?.msg).toMatch(message);
  });

  it('checks a change as a create, and answers an unknown or malformed id with 404', async () => {
    const bad = await operator.api.request('PATCH', `/api/schedules/${everyMinute.id}`, {
      cron: '0 0 * * * *',
    });
    expect(bad.status).toBe(422);
    expect(problemsOf(bad.body)[0]).toMatchObject({ loc: ['body', 'cron'] });
    const zone = await operator.api.request('PATCH', `/api/schedules/${everyMinute.id}`, {
      timezone: 'Nowhere/Town',
    });
    expect(zone.status).toBe(422);
    const extra = await operator.api.request('PATCH', `/api/schedules/${everyMinute.id}`, {
      colour: 'blue',
    });
    expect(extra.status).toBe(422);
    for (const id of ['0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e', 'not-an-id']) {
      expect((await operator.api.request('GET', `/api/schedules/${id}`)).status).toBe(404);
    }
  });

  it('lets viewers read but not write, and keeps each project to itself', async () => {
    const list = await schedulesOf(viewer.api);
    expect(list.status).toBe(200);
    expect(list.body.schedules.map((s) => s.id)).toContain(everyMinute.id);
    expect(list.body.schedules.every((s) => s.project === 'alpha')).toBe(true);
    const one = await viewer.api.request('GET', `/api/schedules/${everyMinute.id}`);
    expect(one.status).toBe(200);
    const create = await viewer.api.request('POST', '/api/schedules', {
      name: 'x',
      cron: '0 * * * *',
      task_type: 'csv_processing',
    });
    expect(create.status).toBe(403);
    expect(
      (await viewer.api.request('PATCH', `/api/schedules/${everyMinute.id}`, { name: 'y' })).status,
    ).toBe(403);
    expect((await viewer.api.request('DELETE', `/api/schedules/${everyMinute.id}`)).status).toBe(
      403,
    );

    // Another project's operator sees none of alpha's, and cannot touch them.
    expect((await schedulesOf(otherOperator.api)).body).toEqual({ schedules: [], total: 0 });
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { enabled: false }],
      ['DELETE', undefined],
    ] as const) {
      const answer = await otherOperator.api.request(
        method,
        `/api/schedules/${everyMinute.id}`,
        body,
      );
      expect(answer.status).toBe(404);
    }
    // The admin of every project sees them all.
    const all = await schedulesOf(admin);
    expect(all.body.schedules.map((s) => s.id)).toContain(everyMinute.id);
  });

  it('disables, enables, renames and deletes, each in the audit log', async () => {
    const created = await operator.api.request<ScheduleResponse>('POST', '/api/schedules', {
      name: 'hourly',
      cron: '@hourly',
      task_type: 'image_processing',
      input_params: { num_images: 1, target_width: 10, target_height: 10 },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const off = await operator.api.request<ScheduleResponse>('PATCH', `/api/schedules/${id}`, {
      enabled: false,
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, next_run_at: null, next_runs: [] });
    const on = await operator.api.request<ScheduleResponse>('PATCH', `/api/schedules/${id}`, {
      enabled: true,
      name: 'hourly thumbnails',
      cron: '30 * * * *',
    });
    expect(on.body).toMatchObject({ enabled: true, name: 'hourly thumbnails', cron: '30 * * * *' });
    expect(new Date(on.body.next_run_at ?? 0).getUTCMinutes()).toBe(30);
    const gone = await operator.api.request<ScheduleResponse>('DELETE', `/api/schedules/${id}`);
    expect(gone.status).toBe(200);
    expect((await operator.api.request('GET', `/api/schedules/${id}`)).status).toBe(404);

    const audit = await admin.request<{ entries: { action: string; resource: string }[] }>(
      'GET',
      '/api/audit?project=alpha&limit=100',
    );
    const actions = audit.body.entries
      .filter((entry) => entry.resource === id)
      .map((entry) => entry.action)
      .sort();
    expect(actions).toEqual([
      'schedule.create',
      'schedule.delete',
      'schedule.update',
      'schedule.update',
    ]);
  });

  it('fires one task per tick with two API instances polling, linked by schedule_id', async () => {
    const first = everyMinute.next_run_at ?? '';
    /** The schedule once next_run_at has moved past `tick`, that is, once `tick` was claimed. */
    const claimedPast = (tick: string) =>
      waitFor(
        `the tick of ${tick} to be claimed`,
        async () => {
          const answer = await operator.api.request<ScheduleResponse>(
            'GET',
            `/api/schedules/${everyMinute.id}`,
          );
          const next = answer.body.next_run_at ?? '';
          return Date.parse(next) > Date.parse(tick) ? answer.body : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 250 },
      );
    // The first tick comes by the clock (within a minute of the schedule's creation).
    const afterFirst = await claimedPast(first);
    // The second is made due at once, as after a pause: both instances find it on their next poll.
    const forced = new Date(Date.parse(first) - 60_000).toISOString();
    await setNextRunAt(database, service.dataDir, everyMinute.id, sqlTime(forced));
    const settled = await claimedPast(forced);
    expect(Date.parse(settled.next_run_at ?? '')).toBeGreaterThanOrEqual(
      Date.parse(afterFirst.next_run_at ?? ''),
    );
    /** Each instance's firings of this schedule, by the tick each fired. */
    const firings = () =>
      [service.process, second].flatMap((instance) =>
        instance
          .logs()
          .filter((line) => line.msg === 'Schedule fired' && line.schedule_id === everyMinute.id)
          .map((line) => String(line.tick)),
      );
    // The claim commits before the submit and its log line: wait until every firing logged is
    // listed with its task (a third tick may have come by the clock meanwhile, under the same
    // rule). Two tasks for one tick would never match one line each, and fail here.
    const { fired, tasks } = await waitFor(
      'each firing of both ticks to be logged with its one task',
      async () => {
        const logged = firings();
        const listed = await tasksOf(operator.api, everyMinute.id);
        const bothFired = [first, forced].every((tick) => logged.includes(tick));
        return bothFired && listed.length === logged.length && firings().length === logged.length
          ? { fired: logged, tasks: listed }
          : undefined;
      },
      { timeoutMs: 10_000 },
    );
    // Each tick fired by one instance only.
    expect(new Set(fired).size).toBe(fired.length);
    for (const task of tasks) {
      expect(task).toMatchObject({
        task_type: 'csv_processing',
        project: 'alpha',
        schedule_id: everyMinute.id,
        // The schedule's own priority and timeout reach each task it makes.
        priority: 8,
        timeout_seconds: 120,
      });
      expect(task.input_params).toMatchObject({ num_rows: 5 });
    }
    const now = await operator.api.request<ScheduleResponse>(
      'GET',
      `/api/schedules/${everyMinute.id}`,
    );
    // Newest first: the last tick's task.
    expect(now.body.last_task_id).toBe(tasks[0].id);
    expect(now.body.last_run_at).not.toBeNull();
  }, 180_000);

  it('fires a tick missed while every instance was down once, at start', async () => {
    const yearly = await operator.api.request<ScheduleResponse>('POST', '/api/schedules', {
      name: 'new year',
      cron: '0 0 1 1 *',
      task_type: 'csv_processing',
    });
    expect(yearly.status).toBe(201);
    const id = yearly.body.id;
    expect(
      (await operator.api.request('PATCH', `/api/schedules/${everyMinute.id}`, { enabled: false }))
        .status,
    ).toBe(200);
    await Promise.all([service.process.stop(), second.stop()]);
    // Down since this year's first of January (and the ticks of many years before it, too).
    const missed = `${new Date().getUTCFullYear() - 3}-01-01 00:00:00.000`;
    await setNextRunAt(database, service.dataDir, id, missed);

    // Two instances start at once, and both find the tick due.
    const restarted = [
      service.spawnPeer({ APP_ROLE: 'api' }),
      service.spawnPeer({ APP_ROLE: 'api' }),
    ];
    const url = await urlOf(restarted[0]);
    await urlOf(restarted[1]);
    const client = new ApiClient(url, operator.api.headers);
    const fired = await waitFor(
      'the missed tick to fire',
      async () => {
        const answer = await client.request<ScheduleResponse>('GET', `/api/schedules/${id}`);
        return answer.status === 200 && answer.body.last_task_id ? answer.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // Its next tick is next year's: nothing more can fire, so what is there now is all there is.
    expect(Date.parse(fired.next_run_at ?? '')).toBeGreaterThan(Date.now());
    expect(new Date(fired.next_run_at ?? '').toISOString()).toMatch(/-01-01T00:00:00\.000Z$/);
    const tasks = await tasksOf(client, id);
    expect(tasks.map((task) => task.id)).toEqual([fired.last_task_id]);
    const firings = restarted.flatMap((instance) =>
      instance.logs().filter((line) => line.msg === 'Schedule fired' && line.schedule_id === id),
    );
    expect(firings).toHaveLength(1);
  }, 120_000);
});

/** Moves a claimed tick's last_run_at back, as if the claim had waited that long unconfirmed. */
async function ageClaim(database: DatabaseEnv, dataDir: string, id: string, ms: number) {
  if (database.kind === 'sqlite') {
    const db = new Database(join(dataDir, 'conveyor.sqlite'));
    try {
      const row = db.prepare(`SELECT last_run_at FROM schedules WHERE id = ?`).get(id) as {
        last_run_at: string;
      };
      const aged = new Date(Date.parse(`${row.last_run_at.replace(' ', 'T')}Z`) - ms);
      db.prepare(`UPDATE schedules SET last_run_at = ? WHERE id = ?`).run(sqlTime(aged), id);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(
      `UPDATE "${database.schema}".schedules
         SET last_run_at = last_run_at - make_interval(secs => $1) WHERE id = $2`,
      [ms / 1000, id],
    );
  } finally {
    await client.end();
  }
}

describe(`schedules: a tick whose API instance dies mid-firing makes its task once (${TEST_DATABASE})`, () => {
  const adminKey = adminApiKey();
  const database = isolatedDatabase();
  let service: TestService;
  let operator: CreatedKey;
  let scheduleId: string;

  /** Starts an API instance with a fault point, waits until it has killed itself. */
  async function dieAt(fault: string): Promise<void> {
    const doomed = service.spawnPeer({ APP_ROLE: 'api', CONVEYOR_TEST_FAULT: fault });
    const exit = await doomed.exited;
    expect(exit).toBeNull();
  }

  /** Starts a healthy API instance and answers the schedule once its tick is confirmed. */
  async function recoverWithHealthyInstance(): Promise<ScheduleResponse> {
    const healthy = service.spawnPeer({ APP_ROLE: 'api', CONVEYOR_TEST_FAULT: '' });
    const client = new ApiClient(await urlOf(healthy), operator.api.headers);
    const fired = await waitFor(
      'the lost tick to be confirmed',
      async () => {
        const answer = await client.request<ScheduleResponse>(
          'GET',
          `/api/schedules/${scheduleId}`,
        );
        return answer.status === 200 && answer.body.last_task_id ? answer.body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    await healthy.stop();
    return fired;
  }

  /** The ids of the schedule's tasks, read in SQL: no API instance runs between the steps. */
  const tasksOfSchedule = async (): Promise<string[]> =>
    (
      await sqlRows<{ id: string }>(
        database,
        service.dataDir,
        'SELECT id FROM tasks WHERE schedule_id = ? ORDER BY created_at',
        [scheduleId],
      )
    ).map((row) => row.id);

  beforeAll(async () => {
    service = await startService({
      APP_ROLE: 'api',
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: adminKey,
      SCHEDULE_POLL_MS: '200',
      ...database.env,
    });
    operator = await createKey(service.url, adminKey, {
      name: 'ops',
      role: 'operator',
      project: 'alpha',
    });
    const created = await operator.api.request<ScheduleResponse>('POST', '/api/schedules', {
      name: 'new year',
      cron: '0 0 1 1 *',
      task_type: 'csv_processing',
    });
    expect(created.status).toBe(201);
    scheduleId = created.body.id;
    // From here on, only the instances each test starts poll the schedule.
    await service.process.stop();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  it('submits the tick again when the instance died after the claim, before the task', async () => {
    await setNextRunAt(database, service.dataDir, scheduleId, '2020-01-01 00:00:00.000');
    await dieAt('exit-after-schedule-claim');
    expect(await tasksOfSchedule()).toEqual([]);
    await ageClaim(database, service.dataDir, scheduleId, 3 * 60_000);

    const fired = await recoverWithHealthyInstance();
    expect(await tasksOfSchedule()).toEqual([fired.last_task_id]);
  }, 180_000);

  it('links the task made when the instance died after the task, without a second', async () => {
    const before = await tasksOfSchedule();
    await setNextRunAt(database, service.dataDir, scheduleId, '2021-01-01 00:00:00.000');
    await dieAt('exit-after-schedule-submit');
    const made = (await tasksOfSchedule()).filter((id) => !before.includes(id));
    expect(made).toHaveLength(1);
    await ageClaim(database, service.dataDir, scheduleId, 3 * 60_000);

    const fired = await recoverWithHealthyInstance();
    expect(fired.last_task_id).toBe(made[0]);
    expect(await tasksOfSchedule()).toEqual([...before, made[0]]);
  }, 180_000);
});
