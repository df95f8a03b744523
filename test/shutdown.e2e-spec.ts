import { TEST_DATABASE } from './utils/databases';
import { recordFaultRow, recordSettlement } from './utils/fault-report';
import { duplicateSuccesses } from './utils/success-logs';
import { serviceForSuite } from './utils/suite-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';

describe(`SIGTERM during a long task on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it('hands the task back after the grace period, and another worker completes it', async () => {
    // Both workers are up before the task exists, so the task's run does not race a worker's
    // boot (on a loaded host a boot can outlast the task); the one that takes it is stopped.
    const workers = [1, 2].map(() =>
      suite.service.spawnPeer({ APP_ROLE: 'worker', SHUTDOWN_GRACE_MS: '1000' }),
    );
    await waitFor('both workers to register', async () => {
      const health = await suite.api.request<{ checks: { workers: Record<string, number> } }>(
        'GET',
        '/api/health',
      );
      return health.body.checks.workers.csv_processing === 2;
    });
    const task = await suite.api.submit('csv_processing', { num_rows: 100, processing_time: 8 });
    const startedOn = (worker: (typeof workers)[number]) =>
      worker.logs().some((line) => line.task_id === task.id && line.msg === 'started');
    await waitFor('a worker to start the task', () => workers.some(startedOn));
    const [first, second] = startedOn(workers[0]) ? workers : [workers[1], workers[0]];

    const terminatedAt = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(
      first
        .logs()
        .some((line) => line.task_id === task.id && String(line.msg).startsWith('handed back')),
    ).toBe(true);

    const settled = await settleTasks(
      () => readTaskRows(suite.database, suite.service.dataDir),
      [task.id],
      60_000,
    );
    recordSettlement('SIGTERM during a long task (grace 1 s: handed back)', settled, {
      ids: [task.id],
      processes: [first, second],
      since: terminatedAt,
      notes: `ended ${settled.rows[0]?.status ?? 'without a row'}, finished by the second worker`,
    });
    const done = await suite.api.get(task.id);
    expect(done.status).toBe('SUCCESS');
    expect(done.attempts).toBe(2);
    expect(second.logs().some((line) => line.task_id === task.id && line.msg === 'succeeded')).toBe(
      true,
    );
  });
});

describe(`SIGTERM during a short task on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it('lets a short task finish within the grace period before exiting', async () => {
    const worker = suite.service.spawnPeer({ APP_ROLE: 'worker', SHUTDOWN_GRACE_MS: '20000' });
    const task = await suite.api.submit('csv_processing', { num_rows: 100, processing_time: 2 });
    await waitFor('the worker to start the task', () =>
      worker.logs().some((line) => line.task_id === task.id && line.msg === 'started'),
    );
    const terminatedAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const [row] = await readTaskRows(suite.database, suite.service.dataDir);
    recordFaultRow({
      scenario: 'SIGTERM during a short task (grace 20 s: drained)',
      database: TEST_DATABASE,
      tasks: 1,
      lost: row ? 0 : 1,
      stuck: row && !['SUCCESS', 'FAILED', 'CANCELLED'].includes(row.status) ? 1 : 0,
      duplicated: duplicateSuccesses([worker], [task.id]),
      reExecutions: row ? row.attempts - 1 : null,
      recoveryMs: Date.now() - terminatedAt,
      notes: `ended ${row?.status ?? 'without a row'}; recovery = time to drain and exit`,
    });
    const done = await suite.api.get(task.id);
    expect([done.status, done.attempts]).toEqual(['SUCCESS', 1]);
  });
});
