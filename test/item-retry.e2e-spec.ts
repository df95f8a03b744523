import sharp from 'sharp';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { TestSmtpServer } from './utils/test-smtp-server';
import { upload } from './utils/upload';

const FINISHED = ['SUCCESS', 'FAILED', 'CANCELLED'];

/** The rows of a CSV answer, split as RFC 4180 has them (quoted cells may hold commas). */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  return rows;
}

describe(`retry of the failed items, and the items CSV (${TEST_DATABASE})`, () => {
  let smtp: TestSmtpServer;
  let database: DatabaseEnv;
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    database = isolatedDatabase();
    service = await startService({ SMTP_URL: smtp.url, ...database.env });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await database?.drop();
  });

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, FINISHED);
  }

  const retryFailed = (id: string) =>
    api.request<TaskResponse & { detail?: unknown }>(
      'POST',
      `/api/tasks/${id}/retry?only=failed_items`,
    );

  async function itemsCsv(id: string): Promise<{ rows: string[][]; headers: Headers }> {
    const response = await fetch(`${service.url}/api/tasks/${id}/items.csv`);
    expect(response.status).toBe(200);
    return { rows: csvRows(await response.text()), headers: response.headers };
  }

  it('mails each refused recipient once more and no accepted one again', async () => {
    const first = await run('email_sending', {
      recipients: [
        'ok1@items.test',
        'rejected1@items.test',
        { email: 'Rejected2@items.test', name: 'Second', code: '7' },
        '=sum@items.test',
      ],
      subject: 'Hello {{name}}',
      body: 'Code {{code}}',
    });
    expect(first.status).toBe('SUCCESS');
    expect(first.result_data).toMatchObject({ sent_successfully: 2, failed: 2 });

    const answer = await retryFailed(first.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ retry_of: first.id, task_type: 'email_sending' });
    expect(answer.body.input_params).toMatchObject({
      recipients: [
        'rejected1@items.test',
        { email: 'Rejected2@items.test', name: 'Second', code: '7' },
      ],
      subject: 'Hello {{name}}',
    });
    const retry = await api.waitForStatus(answer.body.id, FINISHED);
    expect(retry.result_data).toMatchObject({ total_emails: 2, sent_successfully: 0, failed: 2 });

    // Counted at the server: each refused address was asked for twice, each accepted one once.
    expect(smtp.rcptCount.get('rejected1@items.test')).toBe(2);
    expect(smtp.rcptCount.get('rejected2@items.test')).toBe(2);
    expect(smtp.rcptCount.get('ok1@items.test')).toBe(1);
    expect(smtp.rcptCount.get('=sum@items.test')).toBe(1);
    expect(smtp.receivedBy('ok1@items.test')).toHaveLength(1);
    expect(smtp.receivedBy('=sum@items.test')).toHaveLength(1);

    // The items of the first run: a formula-like address is written as text.
    const { rows, headers } = await itemsCsv(first.id);
    expect(headers.get('content-type')).toMatch(/^text\/csv/);
    expect(headers.get('content-disposition')).toMatch(
      /^attachment; filename="task-.*-items\.csv"$/,
    );
    expect(rows[0]).toEqual(['recipient', 'status', 'response']);
    const byRecipient = new Map(rows.slice(1).map((row) => [row[0], row]));
    expect(byRecipient.size).toBe(4);
    expect(byRecipient.get('rejected1@items.test')).toEqual([
      'rejected1@items.test',
      'failed',
      '550 5.1.1 No such user here',
    ]);
    expect(byRecipient.get('ok1@items.test')?.[1]).toBe('delivered');
    expect(byRecipient.get("'=sum@items.test")?.[1]).toBe('delivered');
  });

  it('answers 400 when no recipient failed, and 422 for another value of only', async () => {
    const clean = await run('email_sending', {
      recipients: ['all-good@items.test'],
      subject: 'Hi',
      body: 'Hi',
    });
    const none = await retryFailed(clean.id);
    expect(none.status).toBe(400);
    expect(none.body.detail).toMatch(/No recipient of this task failed/);

    const bad = await api.request<{ detail: { loc: string[] }[] }>(
      'POST',
      `/api/tasks/${clean.id}/retry?only=everything`,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(['query', 'only']);

    const unknown = await retryFailed('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
  });

  it('retries only the image that failed, and lists the images as CSV', async () => {
    const jpeg = await sharp({
      create: { width: 64, height: 48, channels: 3, background: 'blue' },
    })
      .jpeg()
      .toBuffer();
    const good = await upload(service.url, jpeg, 'good.jpg');
    const cut = await upload(service.url, jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'cut.jpg');
    const first = await run('image_processing', {
      file_ids: [good.body.file_id, cut.body.file_id],
      target_width: 32,
      target_height: 32,
    });
    expect(first.status).toBe('SUCCESS');
    expect(first.result_data).toMatchObject({ processed_successfully: 1, failed: 1 });

    const answer = await retryFailed(first.id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ retry_of: first.id });
    expect(answer.body.input_params).toMatchObject({
      file_ids: [cut.body.file_id],
      target_width: 32,
    });
    const retry = await api.waitForStatus(answer.body.id, FINISHED);
    expect(retry.result_data).toMatchObject({ total_images: 1, failed: 1 });

    const { rows } = await itemsCsv(first.id);
    expect(rows[0]).toEqual(['image', 'status', 'error']);
    expect(rows.slice(1).map((row) => row.slice(0, 2))).toEqual([
      ['good.jpg', 'processed'],
      ['cut.jpg', 'failed'],
    ]);
    expect(rows[2][2]).not.toBe('');

    // Every image of a clean task succeeded: nothing to retry.
    const clean = await run('image_processing', {
      file_ids: [good.body.file_id],
      target_width: 16,
      target_height: 16,
    });
    expect((await retryFailed(clean.id)).status).toBe(400);
  });

  it('answers 400 for a CSV task and lists its malformed rows with their line', async () => {
    const file = await upload(service.url, Buffer.from('a,b\n1,2\n3\n4,5\n'), 'rows.csv');
    const task = await run('csv_processing', { file_id: file.body.file_id });
    expect(task.status).toBe('SUCCESS');
    const answer = await retryFailed(task.id);
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toMatch(/CSV task has no items/);

    const { rows } = await itemsCsv(task.id);
    expect(rows[0]).toEqual(['line', 'status', 'error']);
    expect(rows.slice(1).map((row) => row.slice(0, 2))).toEqual([['3', 'malformed']]);
  });

  it('answers 404 for the items of an unknown task', async () => {
    const response = await fetch(
      `${service.url}/api/tasks/00000000-0000-4000-8000-000000000000/items.csv`,
    );
    expect(response.status).toBe(404);
  });
});
