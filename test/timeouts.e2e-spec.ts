import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { waitFor } from './utils/wait-for';

/**
 * Rows of generated CSV that keep one core busy for far longer than any wait below: the run goes
 * to a worker thread, and the service's test fault leaves that thread deaf to the cooperative
 * abort, so only the forced stop after TIMEOUT_GRACE_MS can end it in time.
 */
const CPU_BOUND_ROWS = 10_000_000;
/** Long enough for a forced stop and the next task, far short of a whole CPU-bound run. */
const WAIT_MS = 25_000;

/** The pids of a process's children, from /proc (each of its threads lists those it started). */
function childrenOf(pid: number): number[] {
  const tasks = readdirSync(`/proc/${pid}/task`);
  return tasks.flatMap((tid) => {
    try {
      const listed = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      return listed.split(' ').filter(Boolean).map(Number);
    } catch {
      return []; // The thread ended since the listing (a pooled worker thread gone idle).
    }
  });
}

describe(`timeouts that stop the work on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      CSV_CONCURRENCY: '1',
      IMAGE_CONCURRENCY: '1',
      TIMEOUT_CSV_SECONDS: '600',
      TIMEOUT_GRACE_MS: '1000',
      CONVEYOR_TEST_FAULT: 'deaf-threads',
    });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  const submit = async (
    taskType: string,
    inputParams: Record<string, unknown>,
    timeoutSeconds?: number,
  ) => {
    const answer = await api.request<{ id: string; timeout_seconds: number | null }>(
      'POST',
      '/api/tasks/submit',
      { task_type: taskType, input_params: inputParams, timeout_seconds: timeoutSeconds },
    );
    expect(answer.status).toBe(200);
    return answer.body;
  };

  it('stores the given timeout or the type default, and refuses one out of range', async () => {
    expect((await submit('csv_processing', { num_rows: 10 }, 42)).timeout_seconds).toBe(42);
    const byDefault = await submit('csv_processing', { num_rows: 10 });
    expect(byDefault.timeout_seconds).toBe(600);
    expect((await api.get(byDefault.id)).timeout_seconds).toBe(600);
    const email = await submit('email_sending', { recipients: ['a@example.com'], subject: 'Hi' });
    expect(email.timeout_seconds).toBe(3600);
    for (const bad of [0, 86_401, 1.5, '60']) {
      const answer = await api.request<{ detail: unknown }>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        timeout_seconds: bad,
      });
      expect(answer.status).toBe(422);
      expect(JSON.stringify(answer.body.detail)).toMatch(/timeout_seconds/);
    }
  });

  it('kills a CPU-bound run at its timeout, fails it, and runs the next task in its slot', async () => {
    const stuck = await submit('csv_processing', { num_rows: CPU_BOUND_ROWS }, 2);
    const next = await submit('csv_processing', { num_rows: 500 });
    const failed = await api.waitForStatus(stuck.id, ['SUCCESS', 'FAILED', 'CANCELLED'], WAIT_MS);
    expect(failed.status).toBe('FAILED');
    expect(failed.error_message).toBe('Timed out after 2 s');
    expect(failed.attempts).toBe(1);
    const done = await api.waitForStatus(next.id, ['SUCCESS', 'FAILED'], WAIT_MS);
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ processed_rows: 500 });
    // Not retried: it stays FAILED with one attempt.
    expect(await api.get(stuck.id)).toMatchObject({ status: 'FAILED', attempts: 1 });
  });

  it('frees the slot of a cancelled CPU-bound run', async () => {
    const stuck = await submit('csv_processing', { num_rows: CPU_BOUND_ROWS });
    const next = await submit('csv_processing', { num_rows: 300 });
    await waitFor('the CPU-bound run to make progress', async () => {
      const task = await api.get(stuck.id);
      return task.status === 'RUNNING' && task.progress > 0 ? task : undefined;
    });
    expect((await api.request('DELETE', `/api/tasks/${stuck.id}`)).status).toBe(200);
    const done = await api.waitForStatus(next.id, ['SUCCESS', 'FAILED'], WAIT_MS);
    expect(done.status).toBe('SUCCESS');
    expect((await api.get(stuck.id)).status).toBe('CANCELLED');
  });

  it('stops an image encode at its timeout and removes what it wrote', async () => {
    // Generated pictures enlarged to 5120x3840 AVIF: libheif's encode, which no signal or libvips
    // timeout reaches, runs tens of seconds; it runs in a child process, killed at the timeout.
    const slow = await submit(
      'image_processing',
      { num_images: 3, target_width: 8192, target_height: 8192, format: 'avif', quality: 100 },
      1,
    );
    await waitFor(
      'the AVIF encodes to start in child processes',
      () => childrenOf(service.process.child.pid!).length > 0,
    );
    const failed = await api.waitForStatus(slow.id, ['SUCCESS', 'FAILED'], WAIT_MS);
    expect(failed.status).toBe('FAILED');
    expect(failed.error_message).toBe('Timed out after 1 s');
    // Killed, not left encoding for nobody: every lane's child is gone within moments (an encode
    // left running would go on for tens of seconds). The lanes start their children one after
    // the other, so the test waits for none to be left rather than for those it saw first.
    await waitFor(
      'the worker to have no child process left',
      () => childrenOf(service.process.child.pid!).length === 0,
      { timeoutMs: 5_000 },
    );
    const next = await submit('image_processing', {
      num_images: 1,
      target_width: 64,
      target_height: 64,
    });
    const after = await api.waitForStatus(next.id, ['SUCCESS', 'FAILED'], WAIT_MS);
    expect([after.status, after.error_message, after.result_data]).toEqual([
      'SUCCESS',
      null,
      expect.anything(),
    ]);
    expect(existsSync(join(service.dataDir, 'tasks', slow.id, 'outputs'))).toBe(false);
  });

  // A thread run too: the pool holds two threads (CSV_CONCURRENCY + IMAGE_CONCURRENCY), so it
  // would wait behind the two CPU-bound runs above if their threads had not been terminated.
  it('still runs a normal task to SUCCESS within its timeout', async () => {
    const task = await submit('csv_processing', { num_rows: 50_000 }, 300);
    const done = await api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ processed_rows: 50_000 });
  });

  // An encode left running on libuv's threads held the exit 20-30 s after the graceful close.
  it('exits with 0 on SIGTERM once it is idle, with nothing left running after the timeouts', async () => {
    expect(await service.process.stop()).toBe(0);
  });
});
