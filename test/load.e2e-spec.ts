import autocannon from 'autocannon';
import { TEST_DATABASE } from './utils/databases';
import { recordSettlement } from './utils/fault-report';
import { serviceForSuite } from './utils/suite-service';
import { readTaskRows, settleTasks } from './utils/task-rows';
import { waitForWorkers } from './utils/workers-ready';

const CLIENTS = 50;
const SECONDS = 30;
const BODY = JSON.stringify({ task_type: 'csv_processing', input_params: { num_rows: 10 } });

describe(`load: ${CLIENTS} clients submitting for ${SECONDS} s on ${TEST_DATABASE}`, () => {
  // ~600 submits/s from one address, far past the default limits of one client (§8): this
  // suite measures throughput, the abuse suite the limits.
  const suite = serviceForSuite({
    APP_ROLE: 'api',
    RATE_LIMIT_PER_MINUTE: '1000000',
    QUOTA_ACTIVE_TASKS: '1000000',
  });

  it('answers every submit 2xx and finishes every accepted task', async () => {
    const worker = suite.service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '8' });
    await waitForWorkers(suite.service.url);

    const accepted: string[] = [];
    let unreadable = 0;
    const result = await autocannon({
      url: suite.service.url,
      connections: CLIENTS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/api/tasks/submit',
          headers: { 'content-type': 'application/json' },
          body: BODY,
          onResponse: (status, body) => {
            if (status !== 200) return;
            try {
              accepted.push((JSON.parse(body) as { id: string }).id);
            } catch {
              unreadable++;
            }
          },
        },
      ],
    });
    const loadEndedAt = Date.now();

    // The machine is shared: no deadline here is a performance target, only a bound on a hang.
    const settled = await settleTasks(
      () => readTaskRows(suite.database, suite.service.dataDir),
      accepted,
      600_000,
    );
    const { p50, p99 } = result.latency;
    recordSettlement(`Load: ${CLIENTS} clients submitting for ${SECONDS} s (autocannon)`, settled, {
      ids: accepted,
      processes: [worker],
      since: loadEndedAt,
      notes:
        `${result.requests.total} submits, ${Math.round(result.requests.average)} req/s, ` +
        `latency p50 ${p50} ms, p99 ${p99} ms, ${result.errors} errors, ` +
        `${result.timeouts} timeouts, ${result.non2xx} non-2xx; recovery = drain after the load`,
    });

    expect([result.errors, result.timeouts, result.non2xx, unreadable]).toEqual([0, 0, 0, 0]);
    expect(accepted.length).toBe(result['2xx']);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(settled.lost).toEqual([]);
    expect(settled.stuck).toEqual([]);
    expect(settled.notSucceeded).toEqual([]);
  }, 900_000);
});
