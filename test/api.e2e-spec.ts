import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { TEST_DATABASE } from './utils/databases';
import { serviceForSuite } from './utils/suite-service';
import { waitFor } from './utils/wait-for';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface Detail {
  detail: unknown;
}
interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

describe(`REST contract on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite();

  describe('each task type does real work on the seed parameters', () => {
    it('csv_processing parses the generated rows and reports the seed statistics', async () => {
      const submitted = await suite.api.submit('csv_processing', { num_rows: 2500 });
      expect(submitted).toMatchObject({
        task_type: 'csv_processing',
        status: 'PENDING',
        progress: 0,
        input_params: { num_rows: 2500, has_header: true, processing_time: 0 },
        result_data: null,
        error_message: null,
        attempts: 0,
        retry_of: null,
        started_at: null,
        completed_at: null,
      });
      expect(submitted.id).toMatch(UUID);
      expect(submitted.created_at).toMatch(ISO_UTC);

      const done = await suite.api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      expect(done.progress).toBe(100);
      expect(done.attempts).toBe(1);
      expect(done.started_at).toMatch(ISO_UTC);
      expect(done.completed_at).toMatch(ISO_UTC);
      const result = done.result_data as Record<string, unknown>;
      expect(result.total_rows).toBe(2500);
      expect(result.processed_rows).toBe(2500);
      // The first numeric column is the 1-based id, so its statistics are known exactly.
      expect(result.statistics).toEqual({
        column: 'id',
        sum: (2500 * 2501) / 2,
        avg: 1250.5,
        min: 1,
        max: 2500,
      });
      const columns = result.columns as { name: string; type: string }[];
      expect(columns.map((c) => [c.name, c.type])).toEqual([
        ['id', 'integer'],
        ['customer', 'text'],
        ['email', 'text'],
        ['amount', 'number'],
        ['quantity', 'integer'],
        ['in_stock', 'boolean'],
        ['ordered_at', 'date'],
        ['region', 'text'],
      ]);
    });

    it('email_sending renders real messages into the outbox', async () => {
      const submitted = await suite.api.submit('email_sending', {
        num_emails: 4,
        subject: 'Quarterly report',
      });
      const done = await suite.api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      expect(done.result_data).toMatchObject({ total_emails: 4, sent_successfully: 4, failed: 0 });
      const emails = (done.result_data as { emails: { to: string; status: string }[] }).emails;
      expect(emails.map((e) => e.to)).toEqual([1, 2, 3, 4].map((n) => `user${n}@example.com`));

      const outbox = join(suite.service.dataDir, 'outbox', done.id);
      const files = readdirSync(outbox).filter((name) => name.endsWith('.eml'));
      expect(files).toHaveLength(4);
      const raw = files.map((name) => readFileSync(join(outbox, name), 'utf8'));
      for (const message of raw) expect(message).toMatch(/^Subject: Quarterly report$/m);
      expect(raw.map((m) => /^To: (.*)$/m.exec(m)?.[1]).sort()).toEqual(
        emails.map((e) => e.to).sort(),
      );
    });

    it('email_sending defaults the subject to "Test Email" like the original', async () => {
      const submitted = await suite.api.submit('email_sending', { num_emails: 1 });
      expect(submitted.input_params).toMatchObject({ subject: 'Test Email', num_emails: 1 });
      expect((await suite.api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED'])).status).toBe(
        'SUCCESS',
      );
    });

    it('image_processing resizes generated images to the requested size', async () => {
      const submitted = await suite.api.submit('image_processing', {
        num_images: 3,
        target_width: 320,
        target_height: 200,
        format: 'webp',
      });
      const done = await suite.api.waitForStatus(submitted.id, ['SUCCESS', 'FAILED']);
      expect(done.status).toBe('SUCCESS');
      const result = done.result_data as {
        total_images: number;
        processed_successfully: number;
        images: { processed_name: string; new_size: string; format: string }[];
      };
      expect(result.total_images).toBe(3);
      expect(result.processed_successfully).toBe(3);
      for (const image of result.images) {
        expect(image.new_size).toBe('320x200');
        const metadata = await sharp(
          join(suite.service.dataDir, 'tasks', done.id, 'outputs', image.processed_name),
        ).metadata();
        expect([metadata.width, metadata.height, metadata.format]).toEqual([320, 200, 'webp']);
      }
    });
  });

  describe('listing', () => {
    const created: TaskResponse[] = [];

    beforeAll(async () => {
      // A fresh view of the list: every task this block creates, oldest first.
      for (const type of [
        'csv_processing',
        'email_sending',
        'image_processing',
        'csv_processing',
      ]) {
        const params =
          type === 'csv_processing'
            ? { num_rows: 10 }
            : type === 'email_sending'
              ? { num_emails: 1 }
              : { num_images: 1 };
        created.push(await suite.api.submit(type, params));
      }
      await Promise.all(created.map((task) => suite.api.waitForStatus(task.id, ['SUCCESS'])));
    });

    it('answers {tasks, total}, newest first, with and without the trailing slash', async () => {
      for (const path of ['/api/tasks/', '/api/tasks']) {
        const answer = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
          'GET',
          path,
        );
        expect(answer.status).toBe(200);
        const times = answer.body.tasks.map((t) => t.created_at);
        expect([...times].sort().reverse()).toEqual(times);
        expect(answer.body.total).toBeGreaterThanOrEqual(created.length);
      }
    });

    it('filters by type and by status, with total counting all matches', async () => {
      const all = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?limit=100',
      );
      const csv = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?task_type=csv_processing&limit=100',
      );
      expect(csv.body.tasks.every((t) => t.task_type === 'csv_processing')).toBe(true);
      expect(csv.body.total).toBe(
        all.body.tasks.filter((t) => t.task_type === 'csv_processing').length,
      );

      const success = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?status=SUCCESS&limit=100',
      );
      expect(success.body.tasks.every((t) => t.status === 'SUCCESS')).toBe(true);
      expect(success.body.total).toBe(all.body.tasks.filter((t) => t.status === 'SUCCESS').length);

      const both = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?status=SUCCESS&task_type=email_sending&limit=100',
      );
      expect(
        both.body.tasks.every((t) => t.status === 'SUCCESS' && t.task_type === 'email_sending'),
      ).toBe(true);
      expect(both.body.tasks.map((t) => t.id)).toContain(created[1].id);
    });

    it('pages with limit and offset over a stable order', async () => {
      const whole = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?limit=100',
      );
      const first = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?limit=2&offset=0',
      );
      const second = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        '/api/tasks/?limit=2&offset=2',
      );
      expect(first.body.tasks).toHaveLength(2);
      expect(first.body.total).toBe(whole.body.total);
      expect([...first.body.tasks, ...second.body.tasks].map((t) => t.id)).toEqual(
        whole.body.tasks.slice(0, 4).map((t) => t.id),
      );
      const beyond = await suite.api.request<{ tasks: TaskResponse[]; total: number }>(
        'GET',
        `/api/tasks/?offset=${whole.body.total}`,
      );
      expect(beyond.body).toEqual({ tasks: [], total: whole.body.total, next_cursor: null });
    });
  });

  describe('errors keep the original contract', () => {
    it('gets a task, and 404s unknown and non-UUID ids', async () => {
      const task = await suite.api.submit('csv_processing', { num_rows: 5 });
      expect((await suite.api.request('GET', `/api/tasks/${task.id}`)).body).toMatchObject({
        id: task.id,
      });
      for (const id of [
        '00000000-0000-4000-8000-000000000000',
        'not-a-uuid',
        '..%2F..%2Fetc',
        '1',
      ]) {
        const answer = await suite.api.request('GET', `/api/tasks/${id}`);
        expect([answer.status, answer.body]).toEqual([404, { detail: 'Task not found' }]);
      }
      for (const [method, path] of [
        ['DELETE', '/api/tasks/not-a-uuid'],
        ['POST', '/api/tasks/00000000-0000-4000-8000-000000000000/retry'],
      ]) {
        expect((await suite.api.request(method, path)).status).toBe(404);
      }
    });

    it('answers 400 with the exact detail for an unknown task type', async () => {
      const answer = await suite.api.request('POST', '/api/tasks/submit', {
        task_type: 'video_encoding',
        input_params: {},
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        detail:
          'Invalid task type. Must be one of: csv_processing, email_sending, image_processing',
      });
    });

    it.each([
      [
        'a number out of range',
        { task_type: 'csv_processing', input_params: { num_rows: 0 } },
        ['body', 'input_params', 'num_rows'],
      ],
      [
        'too many rows',
        { task_type: 'csv_processing', input_params: { num_rows: 10_000_001 } },
        ['body', 'input_params', 'num_rows'],
      ],
      [
        'a string for a number',
        { task_type: 'csv_processing', input_params: { num_rows: '100' } },
        ['body', 'input_params', 'num_rows'],
      ],
      [
        'a fraction for an integer',
        { task_type: 'image_processing', input_params: { num_images: 1.5 } },
        ['body', 'input_params', 'num_images'],
      ],
      [
        'an unknown parameter',
        { task_type: 'email_sending', input_params: { num_emails: 1, bcc: 'x' } },
        ['body', 'input_params', 'bcc'],
      ],
      [
        'a line break in a subject',
        { task_type: 'email_sending', input_params: { subject: 'a\r\nBcc: x@y.z' } },
        ['body', 'input_params', 'subject'],
      ],
      [
        'an unknown enum value',
        { task_type: 'image_processing', input_params: { format: 'bmp' } },
        ['body', 'input_params', 'format'],
      ],
      [
        'a negative delay',
        { task_type: 'email_sending', input_params: { delay_per_email: -1 } },
        ['body', 'input_params', 'delay_per_email'],
      ],
      ['a missing task_type', { input_params: {} }, ['body', 'task_type']],
      ['a non-string task_type', { task_type: 7 }, ['body', 'task_type']],
      [
        'params that are not an object',
        { task_type: 'csv_processing', input_params: [1] },
        ['body', 'input_params'],
      ],
      [
        'an unknown top-level field',
        // priority is a field since §9; this one is not.
        { task_type: 'csv_processing', urgency: 1 },
        ['body', 'urgency'],
      ],
    ])('answers 422 for %s, naming where', async (caseName, body, loc) => {
      const answer = await suite.api.request<{ detail: Problem[] }>(
        'POST',
        '/api/tasks/submit',
        body,
      );
      expect(answer.status).toBe(422);
      expect(answer.body.detail.map((p) => p.loc)).toContainEqual(loc);
      if (caseName === 'a string for a number') {
        expect(answer.body.detail[0]).toMatchObject({ type: 'int_type' });
      }
      for (const problem of answer.body.detail) {
        expect(problem.msg).toEqual(expect.any(String));
        expect(problem.type).toEqual(expect.any(String));
      }
    });

    it('answers 422 for bad list queries', async () => {
      for (const query of [
        'status=DONE',
        'task_type=video',
        'limit=0',
        'limit=1001',
        'limit=abc',
        'limit=2.5',
        'offset=-1',
        'offset=1e20',
        'offset=10000001',
        'colour=red',
      ]) {
        const answer = await suite.api.request<{ detail: Problem[] }>(
          'GET',
          `/api/tasks/?${query}`,
        );
        expect([query, answer.status]).toEqual([query, 422]);
        expect(answer.body.detail[0].loc[0]).toBe('query');
      }
    });

    it('answers broken JSON, other content types and huge bodies with a {detail}', async () => {
      const broken = await suite.api.request<Detail>(
        'POST',
        '/api/tasks/submit',
        '{"task_type": ',
        {},
      );
      expect(broken.status).toBe(422);
      const text = await suite.api.request<Detail>(
        'POST',
        '/api/tasks/submit',
        'task_type=csv_processing',
        {
          'content-type': 'application/x-www-form-urlencoded',
        },
      );
      expect(text.status).toBe(415);
      expect(text.body.detail).toEqual(expect.stringContaining('application/json'));
      const huge = await suite.api.request<Detail>('POST', '/api/tasks/submit', {
        task_type: 'email_sending',
        input_params: { body: 'x'.repeat(1_100_000) },
      });
      expect(huge.status).toBe(413);
      expect(huge.body.detail).toEqual(expect.any(String));
      const unknownRoute = await suite.api.request<Detail>('GET', '/api/nowhere');
      expect(unknownRoute.status).toBe(404);
      expect(unknownRoute.body).toHaveProperty('detail');
    });
  });

  describe('cancel and retry', () => {
    it('stops a RUNNING task within 2 s, and it stays CANCELLED', async () => {
      const task = await suite.api.submit('csv_processing', {
        num_rows: 200_000,
        processing_time: 120,
      });
      await waitFor('the task to make progress while RUNNING', async () => {
        const current = await suite.api.get(task.id);
        // A paced run's progress follows its clock: 2 % of 120 s is under 3 s in.
        return current.status === 'RUNNING' && current.progress > 2;
      });
      const cancelledAt = Date.now();
      const answer = await suite.api.request('DELETE', `/api/tasks/${task.id}`);
      expect([answer.status, answer.body]).toEqual([
        200,
        { message: 'Task cancelled successfully', task_id: task.id },
      ]);
      // The worker logs when its AbortSignal has stopped the work.
      await waitFor(
        'the worker to stop the cancelled task',
        () =>
          suite.service.process
            .logs()
            .some((line) => line.task_id === task.id && line.msg === 'stopped: cancelled'),
        { timeoutMs: 2000, intervalMs: 20 },
      );
      expect(Date.now() - cancelledAt).toBeLessThan(2000 + 500);
      const after = await suite.api.get(task.id);
      expect(after.status).toBe('CANCELLED');
      expect(after.completed_at).toMatch(ISO_UTC);
      const again = await suite.api.request('DELETE', `/api/tasks/${task.id}`);
      expect([again.status, again.body]).toEqual([
        400,
        { detail: 'Cannot cancel task with status: CANCELLED' },
      ]);
    });

    it('refuses to cancel a SUCCESS task with the exact detail', async () => {
      const task = await suite.api.submit('csv_processing', { num_rows: 5 });
      await suite.api.waitForStatus(task.id, ['SUCCESS']);
      const answer = await suite.api.request('DELETE', `/api/tasks/${task.id}`);
      expect([answer.status, answer.body]).toEqual([
        400,
        { detail: 'Cannot cancel task with status: SUCCESS' },
      ]);
    });

    it('retries a CANCELLED or FAILED task as a new task, and nothing else', async () => {
      const task = await suite.api.submit('csv_processing', {
        num_rows: 100_000,
        processing_time: 60,
      });
      await suite.api.waitForStatus(task.id, ['RUNNING']);
      await suite.api.request('DELETE', `/api/tasks/${task.id}`);

      const retried = await suite.api.request<TaskResponse>('POST', `/api/tasks/${task.id}/retry`);
      expect(retried.status).toBe(200);
      expect(retried.body.id).not.toBe(task.id);
      expect(retried.body).toMatchObject({
        task_type: 'csv_processing',
        status: 'PENDING',
        input_params: task.input_params,
        retry_of: task.id,
        attempts: 0,
      });
      expect((await suite.api.get(task.id)).status).toBe('CANCELLED');
      await suite.api.request('DELETE', `/api/tasks/${retried.body.id}`);

      const done = await suite.api.submit('csv_processing', { num_rows: 5 });
      await suite.api.waitForStatus(done.id, ['SUCCESS']);
      const refused = await suite.api.request('POST', `/api/tasks/${done.id}/retry`);
      expect([refused.status, refused.body]).toEqual([
        400,
        {
          detail:
            'Cannot retry task with status: SUCCESS. Only FAILED or CANCELLED tasks can be retried.',
        },
      ]);
    });

    it('retries a FAILED task', async () => {
      // A delimiter that splits nothing makes every generated row inconsistent → FAILED.
      const task = await suite.api.submit('csv_processing', { num_rows: 50, delimiter: '"' });
      const failed = await suite.api.waitForStatus(task.id, ['SUCCESS', 'FAILED']);
      expect(failed.status).toBe('FAILED');
      expect(failed.error_message).toEqual(expect.any(String));
      expect(failed.error_message).not.toMatch(/\n\s+at /);
      const retried = await suite.api.request<TaskResponse>('POST', `/api/tasks/${task.id}/retry`);
      expect(retried.status).toBe(200);
      expect(retried.body.retry_of).toBe(task.id);
    });
  });

  it('serves the OpenAPI description generated from the DTOs', async () => {
    const answer = await suite.api.request<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>('GET', '/api/docs-json');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks/submit',
        '/api/tasks',
        '/api/tasks/{id}',
        '/api/tasks/{id}/retry',
        '/api/health',
        '/api/files',
      ]),
    );
    expect(answer.body.components.schemas).toHaveProperty('SubmitTaskDto');
  });

  it('logs every HTTP request as JSON with its request id, echoed to the client', async () => {
    const answer = await suite.api.request('GET', '/api/tasks/?limit=1', undefined, {
      'x-request-id': 'trace-me-123',
    });
    expect(answer.headers.get('x-request-id')).toBe('trace-me-123');
    await waitFor('the request to be logged', () =>
      suite.service.process
        .logs()
        .some(
          (line) =>
            (line.req as { id?: string } | undefined)?.id === 'trace-me-123' &&
            line.msg === 'request completed',
        ),
    );
  });

  it('reports health with the SQL driver and live workers', async () => {
    const answer = await suite.api.request<{
      status: string;
      timestamp: string;
      checks: Record<string, unknown>;
    }>('GET', '/api/health');
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('healthy');
    expect(answer.body.timestamp).toMatch(ISO_UTC);
    expect(answer.body.checks).toMatchObject({
      database: {
        status: 'up',
        driver: TEST_DATABASE === 'postgres' ? 'postgres' : 'better-sqlite3',
      },
      redis: { status: 'up' },
      workers: { csv_processing: 1, email_sending: 1, image_processing: 1 },
    });
  });
});

describe(`PENDING tasks on ${TEST_DATABASE} (an API with no worker)`, () => {
  const suite = serviceForSuite({ APP_ROLE: 'api' });

  it('cancels a PENDING task at once and a worker started later never runs it', async () => {
    const task = await suite.api.submit('csv_processing', { num_rows: 10 });
    const keep = await suite.api.submit('csv_processing', { num_rows: 10 });
    const answer = await suite.api.request('DELETE', `/api/tasks/${task.id}`);
    expect(answer.status).toBe(200);
    expect((await suite.api.get(task.id)).status).toBe('CANCELLED');
    const retryPending = await suite.api.request('POST', `/api/tasks/${keep.id}/retry`);
    expect([retryPending.status, retryPending.body]).toEqual([
      400,
      {
        detail:
          'Cannot retry task with status: PENDING. Only FAILED or CANCELLED tasks can be retried.',
      },
    ]);

    const worker = suite.service.spawnPeer({ APP_ROLE: 'worker' });
    expect((await suite.api.waitForStatus(keep.id, ['SUCCESS'])).status).toBe('SUCCESS');
    const cancelled = await suite.api.get(task.id);
    expect([cancelled.status, cancelled.started_at, cancelled.attempts]).toEqual([
      'CANCELLED',
      null,
      0,
    ]);
    expect(worker.logs().some((line) => line.task_id === task.id)).toBe(false);
  });
});
