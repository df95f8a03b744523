import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ServiceProcess } from './utils/start-service';
import { serviceForSuite } from './utils/suite-service';
import { TEST_DATABASE } from './utils/databases';
import { waitFor } from './utils/wait-for';

const TASKS = 500;
const KILLS = 3;

describe(`a worker SIGKILLed ${KILLS} times during ${TASKS} tasks on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it('finishes every task, none stuck, with the re-executions counted', async () => {
    const started = Date.now();
    const spawnWorker = (): ServiceProcess =>
      suite.service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '4' });
    let worker = spawnWorker();
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
      const target = Math.floor((TASKS * kill) / (KILLS + 1) + Math.random() * 40);
      await waitFor(
        `${target} tasks to succeed before kill ${kill}`,
        async () => (await successes()) >= target,
        {
          timeoutMs: 120_000,
        },
      );
      await worker.kill();
      worker = spawnWorker();
    }

    const done = await waitFor(
      'every task to finish',
      async () => {
        const list = await Promise.all(tasks.map((task) => suite.api.get(task.id)));
        return list.every((task) => task.status === 'SUCCESS' || task.status === 'FAILED')
          ? list
          : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    const failed = done.filter((task) => task.status !== 'SUCCESS');
    const reExecutions = done.reduce((sum, task) => sum + task.attempts - 1, 0);
    console.log(
      `${TASKS} tasks, worker SIGKILLed ${KILLS} times: ${done.length - failed.length} SUCCESS, ${failed.length} not, ` +
        `0 stuck, ${reExecutions} re-executions, ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
    );
    expect(failed).toEqual([]);
    expect(done.every((task) => task.attempts >= 1)).toBe(true);
  }, 600_000);
});
