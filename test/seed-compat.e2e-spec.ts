import type { TaskListResponse, TaskResponse } from '../src/tasks/dto/task.response';
import { TEST_DATABASE } from './utils/databases';
import { serviceForSuite } from './utils/suite-service';
import { upload } from './utils/upload';

interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/**
 * The requests the original's own clients make (its API test script, its pytest suite, its
 * dashboard), with the answers they check: 200 on submit and retry, `limit` 100 by default,
 * input_params optional, and a task's id in any letter case on every route that takes one.
 */
describe(`the original's clients on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite();

  it('submits each seed task type with 200, as the original and its tests expect', async () => {
    for (const [taskType, params] of [
      ['csv_processing', { num_rows: 100, processing_time: 0 }],
      ['email_sending', { num_emails: 2, delay_per_email: 0 }],
      ['image_processing', { num_images: 1, target_width: 64, target_height: 48 }],
    ] as const) {
      const answer = await suite.api.request<TaskResponse>('POST', '/api/tasks/submit', {
        task_type: taskType,
        input_params: params,
      });
      expect([taskType, answer.status, answer.body.status]).toEqual([taskType, 200, 'PENDING']);
      expect(answer.body.input_params).toMatchObject(params);
      const done = await suite.api.waitForStatus(answer.body.id, ['SUCCESS', 'FAILED']);
      expect([taskType, done.status]).toEqual([taskType, 'SUCCESS']);
    }
  });

  it('reads input_params left out or null as {}: every default applies', async () => {
    const defaults = { num_rows: 1000, has_header: true, processing_time: 0 };
    for (const body of [
      { task_type: 'csv_processing' },
      { task_type: 'csv_processing', input_params: null },
      { task_type: 'csv_processing', input_params: {} },
    ]) {
      const answer = await suite.api.request<TaskResponse>('POST', '/api/tasks/submit', body);
      expect([answer.status, answer.body.input_params]).toEqual([200, defaults]);
    }
  });

  it('retries with 200 and a new task', async () => {
    const task = await suite.api.submit('csv_processing', { num_rows: 10, delimiter: '"' });
    expect((await suite.api.waitForStatus(task.id, ['SUCCESS', 'FAILED'])).status).toBe('FAILED');
    const retried = await suite.api.request<TaskResponse>('POST', `/api/tasks/${task.id}/retry`);
    expect([retried.status, retried.body.retry_of, retried.body.status]).toEqual([
      200,
      task.id,
      'PENDING',
    ]);
  });

  describe('one id rule on every route: any letter case names the same task or file', () => {
    it('gets, downloads from, cancels and retries a task by its upper-case id', async () => {
      const image = await suite.api.submit('image_processing', {
        num_images: 1,
        target_width: 40,
        target_height: 30,
        format: 'png',
      });
      const done = await suite.api.waitForStatus(image.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      const upper = image.id.toUpperCase();
      const got = await suite.api.request<TaskResponse>('GET', `/api/tasks/${upper}`);
      expect([got.status, got.body.id]).toEqual([200, image.id]);

      const name = (done.result_data as { images: { processed_name: string }[] }).images[0]
        .processed_name;
      const lower = await fetch(`${suite.service.url}/api/tasks/${image.id}/files/${name}`);
      const mixed = await fetch(`${suite.service.url}/api/tasks/${upper}/files/${name}`);
      expect([lower.status, mixed.status]).toEqual([200, 200]);
      expect(Buffer.from(await mixed.arrayBuffer())).toEqual(
        Buffer.from(await lower.arrayBuffer()),
      );

      const long = await suite.api.submit('csv_processing', {
        num_rows: 100_000,
        processing_time: 60,
      });
      const cancelled = await suite.api.request('DELETE', `/api/tasks/${long.id.toUpperCase()}`);
      expect([cancelled.status, cancelled.body]).toEqual([
        200,
        { message: 'Task cancelled successfully', task_id: long.id },
      ]);
      const retried = await suite.api.request<TaskResponse>(
        'POST',
        `/api/tasks/${long.id.toUpperCase()}/retry`,
      );
      expect([retried.status, retried.body.retry_of]).toEqual([200, long.id]);
      await suite.api.request('DELETE', `/api/tasks/${retried.body.id}`);
    });

    it('reads an upload, and runs a task on it, by its upper-case file_id', async () => {
      const uploaded = await upload(
        suite.service.url,
        Buffer.from('id,amount\n1,2.5\n2,3.5\n3,4\n'),
        'amounts.csv',
      );
      expect(uploaded.status).toBe(201);
      const fileId = String(uploaded.body.file_id);
      const upper = fileId.toUpperCase();
      const metadata = await suite.api.request<{ file_id: string }>('GET', `/api/files/${upper}`);
      expect([metadata.status, metadata.body.file_id]).toEqual([200, fileId]);

      const task = await suite.api.submit('csv_processing', { file_id: upper });
      expect(task.input_params.file_id).toBe(fileId);
      const done = await suite.api.waitForStatus(task.id, ['SUCCESS', 'FAILED']);
      expect([done.status, done.error_message]).toEqual(['SUCCESS', null]);
      expect(done.result_data).toMatchObject({ total_rows: 3 });
    });

    it.each([
      ['GET', '/api/tasks/{id}', 'Task not found'],
      ['DELETE', '/api/tasks/{id}', 'Task not found'],
      ['POST', '/api/tasks/{id}/retry', 'Task not found'],
      ['GET', '/api/tasks/{id}/files/result.png', 'File not found'],
      ['GET', '/api/files/{id}', 'File not found'],
    ])('%s %s answers 404 for a malformed or unknown id', async (method, route, detail) => {
      for (const id of [
        'not-a-uuid',
        '00000000-0000-4000-8000-00000000000G',
        '00000000-0000-4000-8000-000000000000',
        '00000000-0000-4000-8000-00000000000A',
      ]) {
        const answer = await suite.api.request(method, route.replace('{id}', id));
        expect([id, answer.status, answer.body]).toEqual([id, 404, { detail }]);
      }
    });
  });
});

describe(`listing as the original's clients do, on ${TEST_DATABASE}`, () => {
  // An API with no worker: the tasks stay PENDING, so many are cheap to make.
  const suite = serviceForSuite({ APP_ROLE: 'api' });
  const TASKS = 105;

  beforeAll(async () => {
    for (let index = 0; index < TASKS; index++) {
      await suite.api.submit('csv_processing', { num_rows: 1 });
    }
  });

  it('answers 100 tasks when no limit is given, and up to 1000 when asked', async () => {
    const page = await suite.api.request<TaskListResponse>('GET', '/api/tasks/');
    expect([page.status, page.body.tasks.length, page.body.total]).toEqual([200, 100, TASKS]);
    const all = await suite.api.request<TaskListResponse>('GET', '/api/tasks/?limit=1000');
    expect(all.body.tasks).toHaveLength(TASKS);
    const last = await suite.api.request<TaskListResponse>('GET', '/api/tasks/?offset=10000000');
    expect([last.status, last.body.tasks]).toEqual([200, []]);
  });

  it.each(['limit=1001', 'limit=0', 'offset=1e20', 'offset=10000001', 'offset=-1', 'offset=x'])(
    'answers %s with a 422 {detail: [{loc, msg, type}]}',
    async (query) => {
      const answer = await suite.api.request<{ detail: Problem[] }>('GET', `/api/tasks/?${query}`);
      expect(answer.status).toBe(422);
      expect(answer.body.detail).toEqual([
        {
          loc: ['query', query.split('=')[0]],
          msg: expect.stringMatching(/must be an integer from \d+ to \d+/) as unknown,
          type: expect.any(String) as unknown,
        },
      ]);
    },
  );
});
