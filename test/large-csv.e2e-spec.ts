import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCsvFile } from '../src/task-types/csv/csv-generate';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { faultScale } from './utils/fault-scale';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { upload } from './utils/upload';

// Memory does not depend on the SQL database, so this runs on SQLite only. `npm run test:faults`
// checks a 200 MB file; `npm test` the same with a smaller one, to keep CI short.
const ROWS = faultScale(2_600_000, 1_000_000);
const MIN_MB = faultScale(200, 80);

/** Peak resident memory of a process, in MiB (Linux). */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

describe(`a ${MIN_MB} MB CSV upload on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  const scratch = mkdtempSync(join(tmpdir(), 'conveyor-large-csv-'));
  let service: TestService;
  let worker: ServiceProcess;
  let api: ApiClient;

  // A worker of its own, so that its peak memory is this task's alone.
  beforeAll(async () => {
    service = await startService({ ...database.env, APP_ROLE: 'api' });
    worker = service.spawnPeer({ APP_ROLE: 'worker' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 540_000);
  }

  // Generating, uploading and parsing 200 MB takes minutes on a small, busy machine.
  it(`processes a ${MIN_MB} MB CSV upload in constant memory`, async () => {
    const path = join(scratch, 'large.csv');
    await generateCsvFile(path, ROWS, { seed: 7 });
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(MIN_MB * 1000 * 1000);
    const file = await upload(service.url, path, 'large.csv');
    expect(file.status).toBe(201);
    const idle = peakRssMiB(worker.child.pid!);
    const done = await run('csv_processing', { file_id: file.body.file_id });
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ total_rows: ROWS, processed_rows: ROWS });
    const peak = peakRssMiB(worker.child.pid!);
    recordFaultRow({
      scenario: `CSV upload of ${(size / 1e6).toFixed(0)} MB, worker memory`,
      database: TEST_DATABASE,
      tasks: 1,
      lost: 0,
      stuck: 0,
      duplicated: null,
      reExecutions: done.attempts - 1,
      recoveryMs: null,
      notes:
        `worker peak RSS ${peak.toFixed(0)} MiB, ${idle.toFixed(0)} MiB before the task ` +
        `(the task added ${(peak - idle).toFixed(0)} MiB)`,
    });
    // Constant memory: what the task adds stays far below the file's size (half of it: a
    // worker that held the file, or its rows, would need more than the whole size).
    expect(peak - idle).toBeLessThan(size / 2 / 2 ** 20);
  }, 600_000);
});
