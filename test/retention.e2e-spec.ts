import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { sqlRows } from './utils/sql-rows';
import { startService, TestService } from './utils/start-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';

const FINISHED = ['SUCCESS', 'FAILED', 'CANCELLED'];
/** 0.0002 days is 17.28 s: long enough to look at a finished task before it goes. */
const RETENTION_DAYS = '0.0002';
const QUOTA_BYTES = 1_000_000;

const csvOfSize = (bytes: number): Buffer =>
  Buffer.from(`a,b\n${'1,2\n'.repeat(Math.ceil(bytes / 4))}`);

describe(`retention of finished tasks (${TEST_DATABASE})`, () => {
  let database: DatabaseEnv;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    database = isolatedDatabase();
    // No SMTP_URL: e-mail goes to .eml files in the outbox, which retention must remove too.
    service = await startService({
      RETENTION_DAYS,
      RETENTION_SWEEP_SECONDS: '1',
      QUOTA_STORAGE_BYTES: String(QUOTA_BYTES),
      ...database.env,
    });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, FINISHED);
  }

  const countsOf = async (): Promise<Record<string, number>> =>
    (await api.request<{ counts: Record<string, number> }>('GET', '/api/tasks/stats')).body.counts;

  const fileIds = async (): Promise<string[]> =>
    (await sqlRows<{ id: string }>(database, service.dataDir, 'SELECT id FROM files')).map(
      (row) => row.id,
    );

  const deliveryCount = async (taskId: string): Promise<number> =>
    (
      await sqlRows<{ n: number | string }>(
        database,
        service.dataDir,
        'SELECT COUNT(*) AS n FROM email_deliveries WHERE task_id = ?',
        [taskId],
      )
    ).map((row) => Number(row.n))[0];

  it('deletes old finished tasks with their files, rows and unused uploads, and keeps the rest', async () => {
    const big = await upload(service.url, csvOfSize(600_000), 'big.csv');
    const shared = await upload(service.url, Buffer.from('a,b\n1,2\n'), 'shared.csv');
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const image = await upload(service.url, png, 'red.png');
    expect([big.status, shared.status, image.status]).toEqual([201, 201, 201]);
    const [bigId, sharedId, imageId] = [big.body, shared.body, image.body].map(
      (body) => body.file_id as string,
    );

    const finished = [
      await run('csv_processing', { file_id: bigId }),
      await run('csv_processing', { file_id: sharedId }),
      await run('image_processing', { file_ids: [imageId], target_width: 20, target_height: 20 }),
      await run('email_sending', {
        recipients: ['one@kept.test', 'two@kept.test'],
        subject: 'Hi',
        body: 'Hi',
      }),
    ];
    expect(finished.map((task) => task.status)).toEqual([
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
      'SUCCESS',
    ]);
    const [, , imageTask, emailTask] = finished;
    expect(existsSync(join(service.dataDir, 'tasks', imageTask.id))).toBe(true);
    expect(existsSync(join(service.dataDir, 'outbox', emailTask.id))).toBe(true);
    expect(await deliveryCount(emailTask.id)).toBe(2);

    // Unfinished tasks, however old they get: one waiting behind a paused queue, one running
    // (paced over minutes) on the upload a finished task used too.
    expect((await api.request('POST', '/api/queues/image_processing/pause')).status).toBe(200);
    const pending = await api.submit('image_processing', { num_images: 1 });
    const running = await api.submit('csv_processing', {
      file_id: sharedId,
      processing_time: 600,
    });
    await api.waitForStatus(running.id, ['RUNNING']);
    // A cancelled task is finished, but it stays while its retry (running) exists.
    const original = await api.submit('csv_processing', { num_rows: 5, processing_time: 600 });
    await api.waitForStatus(original.id, ['RUNNING']);
    expect((await api.request('DELETE', `/api/tasks/${original.id}`)).status).toBe(200);
    const retried = await api.request<TaskResponse>('POST', `/api/tasks/${original.id}/retry`);
    expect(retried.status).toBe(200);
    await api.waitForStatus(retried.body.id, ['RUNNING']);

    // The big upload and the outputs fill the quota; another big upload is refused.
    expect((await upload(service.url, csvOfSize(600_000), 'again.csv')).status).toBe(413);
    expect(await countsOf()).toMatchObject({ SUCCESS: 4, PENDING: 1, RUNNING: 2, CANCELLED: 1 });

    await waitFor(
      'the finished tasks to be removed',
      async () => {
        const answers = await Promise.all(
          finished.map((task) => api.request('GET', `/api/tasks/${task.id}`)),
        );
        return answers.every((answer) => answer.status === 404);
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    // A sweep deletes the rows of a batch first, then each task's folders one after the other.
    await waitFor(
      "the removed tasks' folders to be gone",
      () =>
        !existsSync(join(service.dataDir, 'tasks', imageTask.id)) &&
        !existsSync(join(service.dataDir, 'outbox', emailTask.id)),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect((await api.get(pending.id)).status).toBe('PENDING');
    expect((await api.get(running.id)).status).toBe('RUNNING');
    expect((await api.get(original.id)).status).toBe('CANCELLED');
    expect(existsSync(join(service.dataDir, 'tasks', imageTask.id))).toBe(false);
    expect(existsSync(join(service.dataDir, 'outbox', emailTask.id))).toBe(false);
    expect(await deliveryCount(emailTask.id)).toBe(0);

    // The uploads only removed tasks named are gone; the one a running task names stays.
    const left = await fileIds();
    expect(left).toContain(sharedId);
    expect(left).not.toContain(bigId);
    expect(left).not.toContain(imageId);
    expect(existsSync(join(service.dataDir, 'uploads', sharedId))).toBe(true);
    expect(existsSync(join(service.dataDir, 'uploads', bigId))).toBe(false);

    const counts = await countsOf();
    expect(counts).toMatchObject({ SUCCESS: 0, PENDING: 1, RUNNING: 2, CANCELLED: 1 });
    // The room is free again.
    expect((await upload(service.url, csvOfSize(600_000), 'again.csv')).status).toBe(201);
    expect(service.process.output()).toMatch(/Retention removed \d+ finished task\(s\)/);

    expect((await api.request('DELETE', `/api/tasks/${running.id}`)).status).toBe(200);
    expect((await api.request('DELETE', `/api/tasks/${retried.body.id}`)).status).toBe(200);
    expect((await api.request('POST', '/api/queues/image_processing/resume')).status).toBe(200);
  });
});
