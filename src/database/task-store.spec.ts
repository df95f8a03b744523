import { EVERY_PROJECT } from '../core/project';
import { Logger } from '@nestjs/common';
import { TaskStatus } from '../core/task-status';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { Repository } from 'typeorm';
import { COMMON_TEXT_MS, NewTask, TaskStore } from './task-store';
import { FTS_COMMON_MATCHES } from './task-search';
import { Task } from './task.entity';

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('TaskStore on %s', (kind) => {
  let database: TestDatabase;
  let store: TaskStore;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind, { SQL_RETRY_ATTEMPTS: '3', SQL_RETRY_DELAY_MS: '0' });
    store = new TaskStore(database.dataSource.getRepository(Task), database.config);
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  /** A moment every heartbeat written so far is older than. */
  const soon = (): Date => new Date(Date.now() + 1000);

  const statusOf = async (id: string): Promise<TaskStatus | undefined> =>
    (await store.findById(id, EVERY_PROJECT))?.status;

  /** A task brought to `status` through the store's own transitions. */
  async function taskIn(status: TaskStatus, type: Task['taskType'] = 'csv_processing') {
    const task = await store.insert({
      taskType: type,
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'default',
    });
    if (status === 'PENDING') return task;
    if (status === 'CANCELLED') {
      await store.markCancelled(task.id, EVERY_PROJECT);
      return task;
    }
    await store.markRunning(task.id);
    if (status === 'SUCCESS') await store.markSucceeded(task.id, {});
    if (status === 'FAILED') await store.markFailed(task.id, 'boom');
    return task;
  }

  it('inserts a PENDING task and reads it back as it was written', async () => {
    const task = await store.insert({
      taskType: 'email_sending',
      inputParams: { num_emails: 2 },
      retryOf: null,
      project: 'default',
    });
    expect(await store.findById(task.id, EVERY_PROJECT)).toEqual(
      expect.objectContaining({
        id: task.id,
        taskType: 'email_sending',
        status: 'PENDING',
        progress: 0,
        attempts: 0,
        inputParams: { num_emails: 2 },
        startedAt: null,
        completedAt: null,
        retryOf: null,
      }),
    );
    expect(await store.findById('00000000-0000-4000-8000-000000000000', EVERY_PROJECT)).toBeNull();
  });

  it('inserts submits of the same turn together; a bad row fails only its own', async () => {
    const spec = (numRows: number) => ({
      taskType: 'csv_processing' as const,
      inputParams: { num_rows: numRows },
      retryOf: null,
      project: 'default',
    });
    const query = jest.spyOn(database.dataSource.manager, 'query');
    const inserts = () => query.mock.calls.filter(([sql]) => sql.startsWith('INSERT')).length;
    try {
      const tasks = await Promise.all([1, 2, 3].map((n) => store.insert(spec(n))));
      expect(inserts()).toBe(1);
      for (const [n, task] of tasks.entries()) {
        expect(await store.findById(task.id, EVERY_PROJECT)).toEqual(
          expect.objectContaining({ status: 'PENDING', inputParams: { num_rows: n + 1 } }),
        );
      }

      // NOT NULL refuses the middle row: a group's INSERT fails, and each row is tried alone.
      query.mockClear();
      const results = await Promise.allSettled([
        store.insert(spec(4)),
        store.insert({ ...spec(5), project: null as unknown as string }),
        store.insert(spec(6)),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      expect(inserts()).toBe(4);
      for (const result of [results[0], results[2]]) {
        const { id } = (result as PromiseFulfilledResult<Task>).value;
        expect(await statusOf(id)).toBe('PENDING');
      }
    } finally {
      query.mockRestore();
    }
  });

  it('moves PENDING to RUNNING, counting attempts and keeping the first start', async () => {
    const task = await taskIn('PENDING');
    expect(await store.markRunning(task.id)).toBe(1);
    const first = await store.findById(task.id, EVERY_PROJECT);
    expect(first).toMatchObject({ status: 'RUNNING', attempts: 1 });
    expect(first?.startedAt).toBeInstanceOf(Date);
    // A re-delivered job runs again from RUNNING.
    expect(await store.markRunning(task.id)).toBe(2);
    const second = await store.findById(task.id, EVERY_PROJECT);
    expect(second?.attempts).toBe(2);
    expect(second?.startedAt?.getTime()).toBe(first?.startedAt?.getTime());
  });

  it('saves progress only while RUNNING', async () => {
    const running = await taskIn('RUNNING');
    expect(await store.saveProgress(running.id, 42.5)).toBe(true);
    expect((await store.findById(running.id, EVERY_PROJECT))?.progress).toBe(42.5);
    const pending = await taskIn('PENDING');
    expect(await store.saveProgress(pending.id, 10)).toBe(false);
  });

  it('finishes a RUNNING task as SUCCESS with its result, or FAILED with its message', async () => {
    const succeeded = await taskIn('RUNNING');
    expect(await store.markSucceeded(succeeded.id, { total_rows: 3 })).toBe(true);
    expect(await store.findById(succeeded.id, EVERY_PROJECT)).toMatchObject({
      status: 'SUCCESS',
      progress: 100,
      resultData: { total_rows: 3 },
      errorMessage: null,
    });
    const failed = await taskIn('RUNNING');
    expect(await store.markFailed(failed.id, 'bad data', { partial: true })).toBe(true);
    const row = await store.findById(failed.id, EVERY_PROJECT);
    expect(row).toMatchObject({
      status: 'FAILED',
      errorMessage: 'bad data',
      resultData: { partial: true },
    });
    expect(row?.completedAt).toBeInstanceOf(Date);
  });

  it('hands RUNNING back to PENDING: on shutdown, for a retry, and on recovery', async () => {
    const handedBack = await taskIn('RUNNING');
    expect(await store.markHandedBack(handedBack.id)).toBe(true);
    expect(await statusOf(handedBack.id)).toBe('PENDING');
    const retrying = await taskIn('RUNNING');
    expect(await store.markRetrying(retrying.id, 'try again')).toBe(true);
    expect(await store.findById(retrying.id, EVERY_PROJECT)).toMatchObject({
      status: 'PENDING',
      errorMessage: 'try again',
    });
    const requeued = await taskIn('RUNNING');
    expect(await store.markRequeued(requeued.id, soon())).toBe(true);
    expect(await statusOf(requeued.id)).toBe('PENDING');
    // Only from RUNNING.
    expect(await store.markRequeued(requeued.id, soon())).toBe(false);
  });

  it('leaves a RUNNING task whose worker beat since the moment given', async () => {
    const alive = await taskIn('RUNNING');
    const aMinuteAgo = new Date(Date.now() - 60_000);
    expect(await store.markRequeued(alive.id, aMinuteAgo)).toBe(false);
    expect(await store.markGivenUp(alive.id, 'no', aMinuteAgo)).toBe(false);
    expect(await statusOf(alive.id)).toBe('RUNNING');
    expect(
      (await store.runningWithLapsedHeartbeat(aMinuteAgo, 1000)).map((t) => t.id),
    ).not.toContain(alive.id);
    await store.beat(alive.id);
    expect((await store.findById(alive.id, EVERY_PROJECT))?.heartbeatAt?.getTime()).toBeGreaterThan(
      aMinuteAgo.getTime(),
    );
  });

  it('gives a lost RUNNING task up as FAILED, and nothing else', async () => {
    const lost = await taskIn('RUNNING');
    expect(await store.markGivenUp(lost.id, 'its job vanished', soon())).toBe(true);
    expect(await store.findById(lost.id, EVERY_PROJECT)).toMatchObject({
      status: 'FAILED',
      errorMessage: 'its job vanished',
    });
    const pending = await taskIn('PENDING');
    expect(await store.markGivenUp(pending.id, 'no', soon())).toBe(false);
    expect(await statusOf(pending.id)).toBe('PENDING');
  });

  it('cancels PENDING and RUNNING tasks, not finished ones', async () => {
    for (const status of ['PENDING', 'RUNNING'] as const) {
      const task = await taskIn(status);
      expect(await store.markCancelled(task.id, EVERY_PROJECT)).toBe(true);
      const row = await store.findById(task.id, EVERY_PROJECT);
      expect(row?.status).toBe('CANCELLED');
      expect(row?.completedAt).toBeInstanceOf(Date);
    }
    for (const status of ['SUCCESS', 'FAILED', 'CANCELLED'] as const) {
      const task = await taskIn(status);
      expect(await store.markCancelled(task.id, EVERY_PROJECT)).toBe(false);
      expect(await statusOf(task.id)).toBe(status);
    }
  });

  it('never overwrites CANCELLED, whichever write comes late', async () => {
    const task = await taskIn('RUNNING');
    await store.markCancelled(task.id, EVERY_PROJECT);
    const late = [
      store.markRunning(task.id),
      store.saveProgress(task.id, 99),
      store.markSucceeded(task.id, {}),
      store.markFailed(task.id, 'late'),
      store.markHandedBack(task.id),
      store.markRetrying(task.id, 'late'),
      store.markRequeued(task.id, soon()),
      store.markGivenUp(task.id, 'late', soon()),
    ];
    // markRunning answers the run's attempt number, null when there is no run.
    expect(await Promise.all(late)).toEqual(late.map((_, index) => (index === 0 ? null : false)));
    expect(await store.findById(task.id, EVERY_PROJECT)).toMatchObject({
      status: 'CANCELLED',
      progress: 0,
    });
  });

  it('pages newest first with filters, and counts exactly', async () => {
    const filter = { status: 'PENDING' as const, taskType: 'image_processing' as const };
    const before = await store.count(EVERY_PROJECT, filter);
    const inserted = [];
    for (let i = 0; i < 5; i++) inserted.push(await taskIn('PENDING', 'image_processing'));
    await taskIn('RUNNING', 'image_processing');
    expect(await store.count(EVERY_PROJECT, filter)).toBe(before + 5);
    expect(
      await store.count(EVERY_PROJECT, { taskType: 'image_processing' }),
    ).toBeGreaterThanOrEqual(before + 6);

    const all = await store.page(EVERY_PROJECT, filter, 100, 0);
    expect(all).toHaveLength(before + 5);
    expect(
      all.every((task) => task.status === 'PENDING' && task.taskType === 'image_processing'),
    ).toBe(true);
    const order = all.map((task) => [task.createdAt.getTime(), task.id] as const);
    const sorted = [...order].sort(([at1, id1], [at2, id2]) => at2 - at1 || id2.localeCompare(id1));
    expect(order).toEqual(sorted);
    expect(all.map((task) => task.id)).toEqual(expect.arrayContaining(inserted.map((t) => t.id)));

    const firstTwo = await store.page(EVERY_PROJECT, filter, 2, 0);
    const nextTwo = await store.page(EVERY_PROJECT, filter, 2, 2);
    expect([...firstTwo, ...nextTwo].map((task) => task.id)).toEqual(
      all.slice(0, 4).map((task) => task.id),
    );
  });

  it('counts per status and the throughput of the last minutes', async () => {
    const countsBefore = await store.countsByStatus(EVERY_PROJECT);
    const done = await taskIn('SUCCESS', 'email_sending');
    await taskIn('FAILED', 'email_sending');
    const counts = await store.countsByStatus(EVERY_PROJECT);
    expect(counts.SUCCESS).toBe(countsBefore.SUCCESS + 1);
    expect(counts.FAILED).toBe(countsBefore.FAILED + 1);

    const completedAt = (await store.findById(done.id, EVERY_PROJECT))?.completedAt as Date;
    const minute = new Date(Math.floor(completedAt.getTime() / 60_000) * 60_000).toISOString();
    const throughput = await store.throughputSince(
      new Date(Date.now() - 10 * 60_000),
      EVERY_PROJECT,
    );
    const bucket = throughput.find((point) => point.minute === minute);
    expect(bucket?.completed).toBeGreaterThanOrEqual(1);
    expect(await store.throughputSince(new Date(Date.now() + 60_000), EVERY_PROJECT)).toEqual([]);
  });

  it('follows retry_of to the originals, nearest first', async () => {
    const first = await taskIn('FAILED');
    const second = await store.insert({
      taskType: 'csv_processing',
      inputParams: {},
      retryOf: first.id,
      project: 'default',
    });
    const third = await store.insert({
      taskType: 'csv_processing',
      inputParams: {},
      retryOf: second.id,
      project: 'default',
    });
    expect(await store.originalsOf(third.id)).toEqual([second.id, first.id]);
    expect(await store.originalsOf(first.id)).toEqual([]);
  });

  it('finds PENDING tasks older than a moment and RUNNING ones whose beat lapsed', async () => {
    const pending = await taskIn('PENDING');
    const running = await taskIn('RUNNING');
    const later = new Date(Date.now() + 1000);
    const stalePending = await store.pendingSince(later, 1000);
    expect(stalePending).toContainEqual({ id: pending.id, taskType: 'csv_processing' });
    expect(stalePending.map((task) => task.id)).not.toContain(running.id);
    const staleRunning = await store.runningWithLapsedHeartbeat(later, 1000);
    expect(staleRunning.map((task) => task.id)).toContain(running.id);
    expect(await store.pendingSince(new Date(0), 1000)).toEqual([]);
  });
  it('keeps every client read and write within the caller project', async () => {
    const [a, b] = [`a${Date.now()}`, `b${Date.now()}`];
    const inA = await store.insert({
      taskType: 'csv_processing',
      inputParams: {},
      retryOf: null,
      project: a,
    });
    const inB = await store.insert({
      taskType: 'email_sending',
      inputParams: {},
      retryOf: null,
      project: b,
    });
    await store.markRunning(inB.id);
    await store.markSucceeded(inB.id, {});

    expect(await store.findById(inA.id, { project: b })).toBeNull();
    expect((await store.findById(inA.id, { project: a }))?.project).toBe(a);
    expect(await store.findById(inA.id, EVERY_PROJECT)).not.toBeNull();
    expect(await store.markCancelled(inA.id, { project: b })).toBe(false);
    expect((await store.findById(inA.id, EVERY_PROJECT))?.status).toBe('PENDING');

    expect((await store.page({ project: a }, {}, 10, 0)).map((task) => task.id)).toEqual([inA.id]);
    expect(await store.count({ project: a }, {})).toBe(1);
    expect(await store.count({ project: a }, { project: b })).toBe(0);
    expect(await store.page({ project: a }, { project: b }, 10, 0)).toEqual([]);
    expect(await store.count(EVERY_PROJECT, { project: b, status: 'SUCCESS' })).toBe(1);
    expect((await store.countsByStatus({ project: b })).SUCCESS).toBe(1);
    expect((await store.countsByStatus({ project: b })).PENDING).toBe(0);
    const since = new Date(Date.now() - 60_000);
    const completed = (points: { completed: number }[]) =>
      points.reduce((sum, point) => sum + point.completed, 0);
    expect(completed(await store.throughputSince(since, { project: b }))).toBe(1);
    expect(completed(await store.throughputSince(since, { project: a }))).toBe(0);

    expect(await store.markCancelled(inA.id, { project: a })).toBe(true);
    expect((await store.countsByStatus({ project: a })).CANCELLED).toBe(1);
  });
});

describe('TaskStore on sqlite: the FTS5 text index', () => {
  let database: TestDatabase;
  let store: TaskStore;
  let repository: Repository<Task>;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    repository = database.dataSource.getRepository(Task);
    store = new TaskStore(repository, database.config);
  });

  afterAll(() => database?.drop());

  /** Rows written on the connection so far, the triggers' writes (FTS5's included) counted. */
  const changes = async (): Promise<number> =>
    (await database.dataSource.query<{ n: number }[]>('SELECT total_changes() AS n'))[0].n;
  const matching = async (text: string): Promise<string[]> =>
    (
      await database.dataSource.query<{ id: string }[]>(
        `SELECT tasks.id FROM tasks_fts JOIN tasks ON tasks.rowid = tasks_fts.rowid
         WHERE tasks_fts MATCH ?`,
        [`"${text}"`],
      )
    ).map((row) => row.id);
  const changesOf = async (write: () => Promise<unknown>): Promise<number> => {
    const before = await changes();
    await write();
    return (await changes()) - before;
  };
  const newTask = (note: string) =>
    store.insert({
      taskType: 'csv_processing',
      inputParams: { note },
      retryOf: null,
      project: 'default',
    });

  it('is rewritten when a task text changes, not when a status write leaves it as it was', async () => {
    const clean = await newTask('needle-one');
    await store.markRunning(clean.id);
    const cleanSuccess = await changesOf(() => store.markSucceeded(clean.id, {}));

    const retried = await newTask('needle-two');
    await store.markRunning(retried.id);
    await store.markRetrying(retried.id, 'transient hiccup');
    expect(await matching('hiccup')).toStrictEqual([retried.id]);
    await store.markRunning(retried.id);
    const clearingSuccess = await changesOf(() => store.markSucceeded(retried.id, {}));

    // Clearing the error rewrites the index entry; assigning NULL over NULL does not.
    expect(cleanSuccess).toBeLessThan(clearingSuccess);
    expect(await matching('hiccup')).toStrictEqual([]);
    expect(await matching('needle')).toEqual(expect.arrayContaining([clean.id, retried.id]));
    // FTS5 compares the index with the table's text: it throws when they disagree.
    await database.dataSource.query(
      `INSERT INTO tasks_fts (tasks_fts, rank) VALUES ('integrity-check', 1)`,
    );
  });

  it('asks FTS5 about a text it found common once a minute, and pages it by scanning alike', async () => {
    const notes = Array.from({ length: FTS_COMMON_MATCHES + 1 }, (_, i) => `everywhere ${i}`);
    await store.insertMany(
      notes.map((note) => ({
        taskType: 'csv_processing',
        inputParams: { note },
        retryOf: null,
        project: 'default',
      })),
    );
    const rare = await newTask('everywhere-not: only here');
    const ftsAsked = jest.spyOn(repository, 'query');
    const probes = (): number =>
      ftsAsked.mock.calls.filter(([sql]) => sql.includes('tasks_fts MATCH')).length;
    const newestFirst = async (q: string) =>
      (await store.page(EVERY_PROJECT, { q }, 3, 0)).map((task) => task.inputParams.note);
    const clock = jest.spyOn(Date, 'now');
    try {
      const first = await newestFirst('everywhere');
      expect(first).toHaveLength(3);
      for (const note of first) expect(note).toContain('everywhere');
      expect(probes()).toBe(1);
      expect(await newestFirst('everywhere')).toStrictEqual(first);
      expect(probes()).toBe(1);
      // A rare text is asked for each time: its matches are the rows FTS5 gives.
      expect(await newestFirst('only here')).toStrictEqual([rare.inputParams.note]);
      expect(await newestFirst('only here')).toStrictEqual([rare.inputParams.note]);
      expect(probes()).toBe(3);
      clock.mockReturnValue(Date.now() + COMMON_TEXT_MS + 1);
      expect(await newestFirst('everywhere')).toStrictEqual(first);
      expect(probes()).toBe(4);
    } finally {
      clock.mockRestore();
      ftsAsked.mockRestore();
    }
  });
});

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])(
  'TaskStore on %s: writers at once',
  (kind) => {
    let database: TestDatabase;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      // No retry: a deadlock (or a transaction refused) fails its write here instead of being
      // hidden.
      database = await openTestDatabase(kind, { SQL_RETRY_ATTEMPTS: '1' });
    });

    afterAll(async () => {
      await database?.drop();
      Logger.overrideLogger(['log', 'error', 'warn']);
    });

    it('takes concurrent grouped and bulk inserts of mixed types without a deadlock', async () => {
      const writer = new TaskStore(database.dataSource.getRepository(Task), database.config);
      const project = 'lock-order';
      const types: Task['taskType'][] = ['image_processing', 'email_sending', 'csv_processing'];
      // Keys in a different order in each write: the order every row takes its count lock in
      // is the store's, not the caller's.
      const spec = (writeNo: number, rowNo: number): NewTask => ({
        taskType: types[(writeNo + rowNo) % types.length],
        scheduled: (writeNo + rowNo) % 2 === 0,
        runAt: new Date(Date.now() + 3_600_000),
        inputParams: { row: rowNo },
        retryOf: null,
        project,
      });
      const bulks = [0, 1, 2, 3, 4, 5].map((writeNo) =>
        writer.insertMany(Array.from({ length: 450 }, (_, rowNo) => spec(writeNo, rowNo))),
      );
      const singles = Array.from({ length: 60 }, (_, rowNo) => writer.insert(spec(rowNo, rowNo)));
      const results = await Promise.allSettled([...bulks, ...singles]);
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);

      const counts = await writer.countsByStatus({ project });
      expect(counts.PENDING + counts.SCHEDULED).toBe(6 * 450 + 60);
      expect(await writer.count({ project }, { status: 'SCHEDULED' })).toBe(counts.SCHEDULED);
    });

    it('keeps the counters equal to the rows through multi-row inserts, updates and deletes', async () => {
      const writer = new TaskStore(database.dataSource.getRepository(Task), database.config);
      const project = 'counted';
      const types: Task['taskType'][] = ['csv_processing', 'email_sending', 'image_processing'];
      const rowsByStatus = async (): Promise<Partial<Record<TaskStatus, number>>> => {
        const rows: { status: TaskStatus; n: string | number }[] = await database.dataSource.query(
          `SELECT status, COUNT(*) AS n FROM tasks WHERE project = '${project}' GROUP BY status`,
        );
        return Object.fromEntries(rows.map(({ status, n }) => [status, Number(n)]));
      };
      const countersByStatus = async () =>
        Object.fromEntries(
          Object.entries(await writer.countsByStatus({ project })).filter(([, n]) => n !== 0),
        );

      await writer.insertMany(
        Array.from({ length: 700 }, (_, rowNo) => ({
          taskType: types[rowNo % types.length],
          inputParams: { row: rowNo },
          retryOf: null,
          project,
        })),
      );
      expect(await countersByStatus()).toEqual({ PENDING: 700 });
      await database.dataSource.query(
        `UPDATE tasks SET status = 'CANCELLED' WHERE project = '${project}' AND task_type = 'email_sending'`,
      );
      await database.dataSource.query(
        `DELETE FROM tasks WHERE project = '${project}' AND task_type = 'csv_processing'`,
      );
      expect(await rowsByStatus()).toEqual({ PENDING: 233, CANCELLED: 233 });
      expect(await countersByStatus()).toEqual(await rowsByStatus());
    });
  },
);
