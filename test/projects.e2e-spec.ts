import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskEvent } from '../src/events/task-event';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { SseReader } from './utils/sse-reader';
import { serviceForSuite } from './utils/suite-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

const ADMIN_KEY = adminApiKey();

interface Stats {
  counts: Record<string, number>;
  throughput: { completed: number; failed: number }[];
}

const finished = (api: ApiClient, id: string): Promise<TaskResponse> =>
  waitFor(`task ${id} to finish`, async () => {
    const answer = await api.request<TaskResponse>('GET', `/api/tasks/${id}`);
    return ['SUCCESS', 'FAILED'].includes(answer.body.status) ? answer.body : undefined;
  });

describe(`projects keep apart on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({ AUTH_MODE: 'keys', ADMIN_API_KEY: ADMIN_KEY });
  let alpha: CreatedKey;
  let beta: CreatedKey;
  let betaViewer: CreatedKey;
  let root: ApiClient;
  const readers: SseReader[] = [];

  beforeAll(async () => {
    await waitForWorkers(suite.service.url);
    alpha = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'alpha-op',
      role: 'operator',
      project: 'alpha',
    });
    beta = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'beta-op',
      role: 'operator',
      project: 'beta',
    });
    betaViewer = await createKey(suite.service.url, ADMIN_KEY, {
      name: 'beta-view',
      role: 'viewer',
      project: 'beta',
    });
    root = new ApiClient(suite.service.url, bearer(ADMIN_KEY));
  });

  afterAll(() => {
    for (const reader of readers) reader.close();
  });

  async function submit(
    who: CreatedKey,
    taskType: string,
    params: Record<string, unknown>,
  ): Promise<TaskResponse> {
    const answer = await who.api.request<TaskResponse>('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: params,
    });
    if (answer.status >= 300)
      throw new Error(`submit answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  it("never shows, changes or counts another project's tasks", async () => {
    const alphaTask = await finished(
      alpha.api,
      (await submit(alpha, 'csv_processing', { num_rows: 5 })).id,
    );
    const slow = await submit(alpha, 'csv_processing', { num_rows: 5, processing_time: 60 });
    const betaTask = await finished(
      beta.api,
      (await submit(beta, 'csv_processing', { num_rows: 5 })).id,
    );
    expect(alphaTask.project).toBe('alpha');
    expect(betaTask.project).toBe('beta');

    for (const [method, path] of [
      ['GET', `/api/tasks/${alphaTask.id}`],
      ['DELETE', `/api/tasks/${slow.id}`],
      ['POST', `/api/tasks/${alphaTask.id}/retry`],
      ['POST', `/api/tasks/${alphaTask.id}/retry?only=failed_items`],
      ['GET', `/api/tasks/${alphaTask.id}/items.csv`],
    ]) {
      const answer = await beta.api.request<{ detail: string }>(method, path);
      expect([method, path, answer.status, answer.body.detail]).toEqual([
        method,
        path,
        404,
        'Task not found',
      ]);
    }
    expect(
      (await alpha.api.request<TaskResponse>('GET', `/api/tasks/${slow.id}`)).body.status,
    ).not.toBe('CANCELLED');

    const betaList = await betaViewer.api.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?limit=100',
    );
    expect(betaList.body.tasks.map((task) => task.id)).toEqual([betaTask.id]);
    expect(betaList.body.total).toBe(1);
    const filtered = await betaViewer.api.request<{ total: number }>(
      'GET',
      '/api/tasks/?status=SUCCESS',
    );
    expect(filtered.body.total).toBe(1);
    const foreignFilter = await betaViewer.api.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?project=alpha',
    );
    expect(foreignFilter.body).toEqual({ tasks: [], total: 0, next_cursor: null });

    const betaStats = await betaViewer.api.request<Stats>('GET', '/api/tasks/stats');
    expect(betaStats.body.counts.SUCCESS).toBe(1);
    expect(betaStats.body.counts.RUNNING + betaStats.body.counts.PENDING).toBe(0);
    expect(betaStats.body.throughput.reduce((sum, minute) => sum + minute.completed, 0)).toBe(1);

    // An admin key of every project sees them all, and may narrow to one.
    const all = await root.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?limit=100',
    );
    expect(all.body.total).toBe(3);
    const onlyAlpha = await root.request<{ tasks: TaskResponse[]; total: number }>(
      'GET',
      '/api/tasks/?project=alpha',
    );
    expect(onlyAlpha.body.total).toBe(2);
    expect(onlyAlpha.body.tasks.every((task) => task.project === 'alpha')).toBe(true);
    expect(
      (await root.request<Stats>('GET', '/api/tasks/stats?project=alpha')).body.counts.SUCCESS,
    ).toBe(1);
    expect((await root.request('GET', `/api/tasks/${betaTask.id}`)).status).toBe(200);
    expect((await alpha.api.request('DELETE', `/api/tasks/${slow.id}`)).status).toBe(200);
  });

  it("treats another project's uploads as unknown, for reading and in task parameters", async () => {
    const csv = await upload(
      suite.service.url,
      Buffer.from('a,b\n1,2\n'),
      'alpha.csv',
      bearer(alpha.key),
    );
    expect(csv.status).toBe(201);
    const fileId = csv.body.file_id as string;
    expect((await alpha.api.request('GET', `/api/files/${fileId}`)).status).toBe(200);
    expect((await beta.api.request('GET', `/api/files/${fileId}`)).status).toBe(404);
    const borrowed = await beta.api.request<{ detail: { loc: string[]; type: string }[] }>(
      'POST',
      '/api/tasks/submit',
      {
        task_type: 'csv_processing',
        input_params: { file_id: fileId },
      },
    );
    expect(borrowed.status).toBe(422);
    expect(borrowed.body.detail[0]).toMatchObject({
      loc: ['body', 'input_params', 'file_id'],
      type: 'file_not_found',
    });
    const own = await submit(alpha, 'csv_processing', { file_id: fileId });
    expect((await finished(alpha.api, own.id)).status).toBe('SUCCESS');
  });

  it("serves a task's result files only within its project", async () => {
    const task = await finished(
      alpha.api,
      (
        await submit(alpha, 'image_processing', {
          num_images: 1,
          target_width: 8,
          target_height: 8,
        })
      ).id,
    );
    const url = (task.result_data as { images: { url: string }[] }).images[0].url;
    expect((await fetch(`${suite.service.url}${url}`, { headers: bearer(alpha.key) })).status).toBe(
      200,
    );
    expect((await fetch(`${suite.service.url}${url}`, { headers: bearer(beta.key) })).status).toBe(
      404,
    );
    expect((await fetch(`${suite.service.url}${url}`, { headers: bearer(ADMIN_KEY) })).status).toBe(
      200,
    );
  });

  /** The project column of a task's e-mail deliveries, read from SQL itself. */
  async function deliveryProjects(taskId: string): Promise<string[]> {
    const sql = 'SELECT DISTINCT project FROM email_deliveries WHERE task_id = ';
    if (TEST_DATABASE === 'sqlite') {
      const db = new Database(join(suite.service.dataDir, 'conveyor.sqlite'), { readonly: true });
      try {
        return (db.prepare(`${sql}?`).all(taskId) as { project: string }[]).map(
          (row) => row.project,
        );
      } finally {
        db.close();
      }
    }
    const client = new Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${suite.database.schema}"`);
      const rows = await client.query<{ project: string }>(`${sql}$1`, [taskId]);
      return rows.rows.map((row) => row.project);
    } finally {
      await client.end();
    }
  }

  it("records e-mail deliveries in the task's project, and audits an all-projects admin's cancel in the task's", async () => {
    const mail = await finished(
      beta.api,
      (await submit(beta, 'email_sending', { num_emails: 3 })).id,
    );
    expect(mail.status).toBe('SUCCESS');
    expect(await deliveryProjects(mail.id)).toEqual(['beta']);

    const slow = await submit(beta, 'csv_processing', { num_rows: 5, processing_time: 60 });
    expect((await root.request('DELETE', `/api/tasks/${slow.id}`)).status).toBe(200);
    const audit = await root.request<{
      entries: { action: string; resource: string; project: string }[];
    }>('GET', `/api/audit?action=task.cancel`);
    expect(audit.body.entries.find((entry) => entry.resource === slow.id)?.project).toBe('beta');
  });

  it("streams each subscriber only its project's events", async () => {
    const [alphaStream, betaStream, rootStream] = await Promise.all([
      SseReader.open(`${suite.service.url}/api/events`, bearer(alpha.key)),
      SseReader.open(`${suite.service.url}/api/events`, bearer(betaViewer.key)),
      SseReader.open(`${suite.service.url}/api/events`, bearer(ADMIN_KEY)),
    ]);
    readers.push(alphaStream, betaStream, rootStream);
    const alphaTask = await submit(alpha, 'csv_processing', { num_rows: 5 });
    const betaTask = await submit(beta, 'csv_processing', { num_rows: 5 });
    const sawSuccess = (reader: SseReader, id: string) =>
      reader.waitForMessage(`SUCCESS of ${id}`, (message) => {
        const event = JSON.parse(message.data) as TaskEvent;
        return event.task_id === id && event.status === 'SUCCESS';
      });
    await Promise.all([
      sawSuccess(alphaStream, alphaTask.id),
      sawSuccess(betaStream, betaTask.id),
      sawSuccess(rootStream, alphaTask.id),
      sawSuccess(rootStream, betaTask.id),
    ]);
    const ids = (reader: SseReader) =>
      new Set(reader.messages.map((message) => (JSON.parse(message.data) as TaskEvent).task_id));
    expect(ids(alphaStream).has(betaTask.id)).toBe(false);
    expect(ids(betaStream).has(alphaTask.id)).toBe(false);
  });
});
