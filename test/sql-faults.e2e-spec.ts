import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { printProcessReport, recordSettlement } from './utils/fault-report';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { duplicateSuccesses } from './utils/success-logs';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

const ROUNDS = 4;
/** Long enough that every round finds tasks running, whose writes then meet the fault. */
const WORK = { num_rows: 10, processing_time: 1 };
const INITIAL_TASKS = 40;
const SUBMITS_PER_ROUND = 5;

const retriesLogged = (process: ServiceProcess): number =>
  process.logs().filter((line) => String(line.msg).startsWith('SQL retried')).length;

/**
 * An API process and a worker process on the suite's own database, with tasks running, for
 * faults injected into SQL itself. Every accepted task must end SUCCESS with every one of its
 * status writes in place.
 */
function sqlFaultSuite(env: Record<string, string>) {
  const database = isolatedDatabase();
  const suite = {} as {
    service: TestService;
    worker: ServiceProcess;
    api: ApiClient;
    accepted: TaskResponse[];
  };
  beforeAll(async () => {
    suite.service = await startService({ ...database.env, APP_ROLE: 'api', ...env });
    suite.worker = suite.service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '4' });
    suite.api = new ApiClient(suite.service.url);
    await waitForWorkers(suite.service.url);
    suite.accepted = await Promise.all(
      Array.from({ length: INITIAL_TASKS }, () => suite.api.submit('csv_processing', WORK)),
    );
    await suite.api.waitForStatus(suite.accepted[0].id, ['RUNNING', 'SUCCESS']);
  });
  afterAll(async () => {
    await suite.service?.stop();
    await database.drop();
  });

  /** Submits that are in flight while a fault is on; their inserts must be retried. */
  const submitDuringFault = (): Promise<TaskResponse[]> =>
    Promise.all(
      Array.from({ length: SUBMITS_PER_ROUND }, () => suite.api.submit('csv_processing', WORK)),
    );

  async function settleAndReport(scenario: string, faultEndedAt: number, notes: string) {
    const ids = suite.accepted.map((task) => task.id);
    const settled = await settleTasks(
      () => readTaskRows(database, suite.service.dataDir),
      ids,
      120_000,
    );
    recordSettlement(scenario, settled, {
      ids: ids,
      processes: [suite.worker],
      since: faultEndedAt,
      notes: notes,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
    // No write lost: each task was started, finished and given its result and full progress.
    const incomplete = settled.rows.filter(
      (row) => !(row.started && row.completed && row.hasResult && row.progress === 100),
    );
    expect(incomplete).toEqual([]);
    // The SQL retries absorbed the fault: no task needed a second run to get its writes in.
    expect(settled.reExecutions).toBe(0);
    expect(duplicateSuccesses([suite.worker], ids)).toBe(0);
  }

  return { database, suite, submitDuringFault, settleAndReport };
}

// Each database has a fault of its own: only the suite of the one under test is declared.
if (TEST_DATABASE === 'postgres')
  describe('PostgreSQL sessions terminated under the service while tasks run', () => {
    const { database, suite, submitDuringFault, settleAndReport } = sqlFaultSuite({});
    const admin = new Client({ connectionString: TEST_POSTGRES_URL });
    const locker = new Client({ connectionString: TEST_POSTGRES_URL });
    // Only this suite's sessions: the server is shared with other suites and other people.
    const names = (): string[] =>
      ['api', 'worker', 'all'].map((role) => `conveyor ${role} ${database.schema}`);

    beforeAll(async () => {
      // A failure of these sessions is a test failure, reported by the query that meets it.
      admin.on('error', () => undefined);
      locker.on('error', () => undefined);
      await Promise.all([admin.connect(), locker.connect()]);
    });
    afterAll(async () => {
      await Promise.all([admin.end(), locker.end()]);
    });

    // Two statements on purpose: in one, the planner may call pg_terminate_backend before the
    // application_name filter, on every session of the server.
    const terminateServiceSessions = async (): Promise<number> => {
      const { rows } = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = ANY($1)',
        [names()],
      );
      const pids = rows.map((row) => row.pid);
      if (pids.length === 0) return 0;
      const killed = await admin.query<{ killed: boolean }>(
        'SELECT pg_terminate_backend(pid) AS killed FROM unnest($1::int[]) AS pid',
        [pids],
      );
      return killed.rows.filter((row) => row.killed).length;
    };

    // The worker's heartbeat (UPDATE … SET "heartbeat_at" alone) is not retried by design: a
    // lost beat is followed by the next one. Only the writes that must get through are counted.
    const isHeartbeat = (query: string): boolean =>
      /\bSET "heartbeat_at" = \$\d+ WHERE\b/.test(query);
    const waitingOnLock = async (): Promise<string[]> =>
      (
        await admin.query<{ application_name: string; query: string }>(
          `SELECT application_name, query FROM pg_stat_activity
           WHERE application_name = ANY($1) AND wait_event_type = 'Lock'`,
          [names()],
        )
      ).rows
        .filter((row) => !isHeartbeat(row.query))
        .map((row) => row.application_name);

    /** What the server and the two processes show after a failed round: hung, or dead. */
    const reportFailure = async (): Promise<void> => {
      // A write waiting on the server (active, idle in a transaction) or on the client alone.
      const { rows } = await admin.query(
        `SELECT application_name, pid, state, wait_event_type, wait_event, xact_start, query
         FROM pg_stat_activity WHERE application_name = ANY($1)`,
        [names()],
      );
      console.log(`[fault] the service's sessions after the failure:\n${JSON.stringify(rows)}`);
      printProcessReport('PostgreSQL sessions killed', [suite.service.process, suite.worker]);
    };

    it(`finishes every task when the service's sessions are killed ${ROUNDS} times mid-write`, async () => {
      try {
        let terminated = 0;
        let workerRounds = 0;
        let faultEndedAt = Date.now();
        for (let round = 1; round <= ROUNDS; round++) {
          const workerRetries = retriesLogged(suite.worker);
          const apiRetries = retriesLogged(suite.service.process);
          // Hold the tasks table so that the next UPDATEs and INSERTs wait, in flight, and are
          // then killed with their sessions: a write that was surely not committed.
          await locker.query('BEGIN');
          await locker.query(`LOCK TABLE "${database.schema}".tasks IN EXCLUSIVE MODE`);
          const submits = submitDuringFault();
          const api = `conveyor api ${database.schema}`;
          const worker = `conveyor worker ${database.schema}`;
          let workerCaught = false;
          try {
            // The API is always caught: this round's submits are in flight. The worker writes only
            // when a task starts, reports progress or ends, so it gets a few seconds to be caught.
            await waitFor(`a submit waiting on the lock (round ${round})`, async () =>
              (await waitingOnLock()).includes(api),
            );
            workerCaught = await waitFor(
              'a worker write waiting on the lock',
              async () => (await waitingOnLock()).includes(worker),
              { timeoutMs: 3_000 },
            ).then(
              () => true,
              () => false,
            );
            terminated += await terminateServiceSessions();
          } finally {
            // Also when a wait fails: a lock left held would hang the service and its shutdown.
            await locker.query('ROLLBACK');
          }
          if (workerCaught) workerRounds++;
          faultEndedAt = Date.now();
          suite.accepted.push(...(await submits));
          await waitFor(`the killed writes to be retried (round ${round})`, () => {
            return (
              retriesLogged(suite.service.process) > apiRetries &&
              (!workerCaught || retriesLogged(suite.worker) > workerRetries)
            );
          });
          // And the idle pooled sessions too, which the next query finds dead.
          terminated += await terminateServiceSessions();
        }

        const retries = retriesLogged(suite.worker) + retriesLogged(suite.service.process);
        await settleAndReport(
          `PostgreSQL sessions killed ${ROUNDS}× mid-write (pg_terminate_backend)`,
          faultEndedAt,
          `${terminated} sessions terminated, ${retries} SQL writes retried, ` +
            `a worker write killed in ${workerRounds} of ${ROUNDS} rounds`,
        );
        expect(terminated).toBeGreaterThanOrEqual(ROUNDS * 2);
        expect(workerRounds).toBeGreaterThan(0);
      } catch (failure) {
        await reportFailure();
        throw failure;
      }
    }, 300_000);
  });

const BUSY_TIMEOUT_MS = 50;
const HOLD_MS = 1_000;

if (TEST_DATABASE === 'sqlite')
  describe('a SQLite write lock held by another connection while tasks run', () => {
    const { suite, submitDuringFault, settleAndReport } = sqlFaultSuite({
      SQLITE_BUSY_TIMEOUT_MS: String(BUSY_TIMEOUT_MS),
    });

    it(`finishes every task through ${ROUNDS} locks held ${HOLD_MS / BUSY_TIMEOUT_MS}× the busy timeout`, async () => {
      const db = new Database(join(suite.service.dataDir, 'conveyor.sqlite'));
      let faultEndedAt = Date.now();
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          const workerRetries = retriesLogged(suite.worker);
          const apiRetries = retriesLogged(suite.service.process);
          db.exec('BEGIN IMMEDIATE');
          const heldAt = Date.now();
          const submits = submitDuringFault();
          await waitFor(`both processes to hit the lock and retry (round ${round})`, () => {
            return (
              retriesLogged(suite.worker) > workerRetries &&
              retriesLogged(suite.service.process) > apiRetries
            );
          });
          // The fault's length, not a wait for a result: the lock outlasts the busy timeout
          // many times over, so writes only get through by being retried.
          await waitFor(
            'the lock to have been held long enough',
            () => Date.now() - heldAt >= HOLD_MS,
          );
          db.exec('COMMIT');
          faultEndedAt = Date.now();
          suite.accepted.push(...(await submits));
        }
      } finally {
        db.close();
      }

      const retries = retriesLogged(suite.worker) + retriesLogged(suite.service.process);
      await settleAndReport(
        `SQLite write lock held ${HOLD_MS / 1000} s ${ROUNDS}× (busy timeout ${BUSY_TIMEOUT_MS} ms)`,
        faultEndedAt,
        `${retries} SQL writes retried`,
      );
    }, 300_000);
  });
