import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ServiceProcess } from './utils/start-service';
import { serviceForSuite } from './utils/suite-service';
import { TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { faultScale } from './utils/fault-scale';
import { duplicateSuccesses } from './utils/success-logs';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitFor } from './utils/wait-for';

// Full size under `npm run test:faults`; `npm test` checks the same with fewer tasks and kills.
const TASKS = faultScale(500, 100);
const KILLS = faultScale(3, 1);

describe(`a worker SIGKILLed ${KILLS} times during ${TASKS} tasks on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it('finishes every task, none stuck, with the re-executions counted', async () => {
    const started = Date.now();
    const workers: ServiceProcess[] = [];
    const spawnWorker = (): ServiceProcess => {
      const spawned = suite.service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '4' });
      workers.push(spawned);
      return spawned;
    };
    let worker = spawnWorker();
    let lastKillAt = Date.now();
    const tasks: TaskResponse[] = [];
    for (let i = 0; i < TASKS; i += 50) {
      tasks.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () =>
            suite.api.submit('csv_processing', { num_rows: 10, processing_time: 0.05 }),
          ),
        )),
      );
    }
    const successes = async (): Promise<number> =>
      (await suite.api.request<{ total: number }>('GET', '/api/tasks/?status=SUCCESS&limit=1')).body
        .total;

    for (let kill = 1; kill <= KILLS; kill++) {
      // Kill at a moment that varies from run to run, while work is in flight.
      const target = Math.floor((TASKS * kill) / (KILLS + 1) + (Math.random() * TASKS) / 12);
      await waitFor(
        `${target} tasks to succeed before kill ${kill}`,
        async () => (await successes()) >= target,
        {
          timeoutMs: 120_000,
        },
      );
      await worker.kill();
      lastKillAt = Date.now();
      worker = spawnWorker();
    }

    const ids = tasks.map((task) => task.id);
    const settled = await settleTasks(
      () => readTaskRows(suite.database, suite.service.dataDir),
      ids,
      240_000,
    );
    recordFaultRow({
      scenario: `${TASKS} tasks, worker SIGKILLed ${KILLS}× and restarted`,
      database: TEST_DATABASE,
      tasks: ids.length,
      lost: settled.lost.length,
      stuck: settled.stuck.length,
      duplicated: duplicateSuccesses(workers, ids),
      reExecutions: settled.reExecutions,
      recoveryMs: settled.settledAt - lastKillAt,
      notes: `${settled.notSucceeded.length} not SUCCESS; ${((settled.settledAt - started) / 1000).toFixed(0)} s in all`,
    });
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
    expect(settled.rows.every((row) => row.attempts >= 1)).toBe(true);
    expect(duplicateSuccesses(workers, ids)).toBe(0);
  }, 600_000);
});
