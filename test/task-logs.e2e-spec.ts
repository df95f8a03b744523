import sharp from 'sharp';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { SseReader } from './utils/sse-reader';
import { startService, TestService } from './utils/start-service';
import { TestSmtpServer } from './utils/test-smtp-server';
import { upload } from './utils/upload';

const ADMIN_KEY = adminApiKey();

interface LogLine {
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  message: string;
}
interface LogsAnswer {
  task_id: string;
  lines: LogLine[];
}

describe(`GET /api/tasks/{id}/logs on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let smtp: TestSmtpServer;
  let service: TestService;
  let root: ApiClient;
  let alphaOperator: CreatedKey;
  let alphaViewer: CreatedKey;
  let betaViewer: CreatedKey;

  const logsOf = async (id: string, query = '', api = alphaViewer.api): Promise<LogLine[]> => {
    const answer = await api.request<LogsAnswer>('GET', `/api/tasks/${id}/logs${query}`);
    if (answer.status !== 200)
      throw new Error(`logs answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    expect(answer.body.task_id).toBe(id);
    return answer.body.lines;
  };

  /** Runs a task of project alpha to its end; its lines are written before its last status. */
  const run = async (type: string, params: Record<string, unknown>): Promise<TaskResponse> => {
    const task = await alphaOperator.api.submit(type, params);
    return root.waitForStatus(task.id, ['SUCCESS', 'FAILED', 'CANCELLED'], 60_000);
  };

  const uploadCsv = async (text: string): Promise<string> => {
    const answer = await upload(
      service.url,
      Buffer.from(text),
      'rows.csv',
      bearer(alphaOperator.key),
    );
    expect(answer.status).toBe(201);
    return answer.body.file_id as string;
  };

  const expectNumberedInOrder = (lines: LogLine[]): void => {
    lines.forEach((line, index) => {
      if (index > 0) expect(line.seq).toBe(lines[index - 1].seq + 1);
      expect(Number.isNaN(Date.parse(line.at))).toBe(false);
    });
  };

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    service = await startService({
      ...database.env,
      AUTH_MODE: 'keys',
      ADMIN_API_KEY: ADMIN_KEY,
      SMTP_URL: smtp.url,
      SMTP_RETRY_DELAY_MS: '50',
    });
    root = new ApiClient(service.url, bearer(ADMIN_KEY));
    const key = (name: string, role: 'viewer' | 'operator', project: string) =>
      createKey(service.url, ADMIN_KEY, { name, role, project });
    [alphaOperator, alphaViewer, betaViewer] = await Promise.all([
      key('alpha-op', 'operator', 'alpha'),
      key('alpha-view', 'viewer', 'alpha'),
      key('beta-view', 'viewer', 'beta'),
    ]);
  });

  afterAll(async () => {
    await service?.stop();
    await smtp?.close();
    await database.drop();
  });

  it('tells what a CSV task did: its delimiter, each malformed row and the outcome', async () => {
    const rows = ['id,value', ...Array.from({ length: 50 }, (_, i) => `${i},${i * 3}`)];
    rows.splice(5, 0, '1,2,3');
    rows.splice(30, 0, 'only-one-field-here,and,more');
    const task = await run('csv_processing', { file_id: await uploadCsv(`${rows.join('\n')}\n`) });
    expect(task.status).toBe('SUCCESS');
    const lines = await logsOf(task.id);
    expectNumberedInOrder(lines);
    expect(lines[0]).toMatchObject({ seq: 1, level: 'info' });
    expect(lines[0].message).toMatch(/^Started \(attempt 1 of \d+\)$/);
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['Reading CSV with delimiter "," (detected)']),
    );
    const skipped = lines.filter((line) => /^Line \d+ skipped: /.test(line.message));
    expect(skipped).toHaveLength(2);
    expect(skipped.every((line) => line.level === 'warn')).toBe(true);
    expect(lines.at(-2)).toMatchObject({
      level: 'warn',
      message: 'Parsed 50 rows in 2 columns; 2 malformed rows skipped',
    });
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'Succeeded' });
  });

  it("tells each e-mail recipient's outcome", async () => {
    const task = await run('email_sending', {
      recipients: ['ann@logs.test', 'rejected@logs.test', 'bob@logs.test'],
      subject: 'Hi',
      body: 'Hello',
    });
    expect(task.status).toBe('SUCCESS');
    const messages = (await logsOf(task.id)).map((line) => `${line.level} ${line.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'info Sending to 3 recipient(s)',
        'info Sent to ann@logs.test',
        'info Sent to bob@logs.test',
        'warn Sent 2 of 3 e-mail(s); 1 failed',
        'info Succeeded',
      ]),
    );
    expect(
      messages.filter((message) => message.startsWith('warn Not sent to rejected@logs.test: ')),
    ).toHaveLength(1);
  });

  it('tells each image done', async () => {
    const task = await run('image_processing', {
      num_images: 2,
      target_width: 40,
      target_height: 30,
    });
    expect(task.status).toBe('SUCCESS');
    const messages = (await logsOf(task.id)).map((line) => line.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'Resizing 2 image(s) to 40×30 jpeg',
        expect.stringMatching(/^test_image_1\.jpg: done as \S+/),
        expect.stringMatching(/^test_image_2\.jpg: done as \S+/),
      ]),
    );
  });

  it('tells an image that failed, and the others go on', async () => {
    const jpeg = await sharp({
      create: { width: 64, height: 48, channels: 3, background: 'gray' },
    })
      .jpeg()
      .toBuffer();
    const ids = [];
    for (const [content, name] of [
      [jpeg, 'good.jpg'],
      [jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'truncated.jpg'],
    ] as const) {
      const answer = await upload(service.url, content, name, bearer(alphaOperator.key));
      expect(answer.status).toBe(201);
      ids.push(answer.body.file_id);
    }
    const task = await run('image_processing', { file_ids: ids });
    expect(task.status).toBe('SUCCESS');
    const said = (await logsOf(task.id)).map((line) => `${line.level} ${line.message}`);
    expect(said.filter((line) => /^info good\.jpg: done as /.test(line))).toHaveLength(1);
    expect(said.filter((line) => /^warn truncated\.jpg: failed: \S/.test(line))).toHaveLength(1);
  });

  it('keeps the newest 1,000 lines of a task, and reads on after a seq', async () => {
    const malformed = 1_200;
    const text = [
      'a,b',
      '1,2',
      ...Array.from({ length: malformed }, () => '1,2,3'),
      '3,4',
      '',
    ].join('\n');
    const task = await run('csv_processing', { file_id: await uploadCsv(text) });
    expect(task.status).toBe('SUCCESS');
    // Started, the delimiter, one per malformed row, the summary and Succeeded.
    const total = malformed + 4;
    const lines = await logsOf(task.id);
    expect(lines).toHaveLength(1_000);
    expectNumberedInOrder(lines);
    expect(lines[0].seq).toBe(total - 999);
    expect(lines.at(-1)).toMatchObject({ seq: total, message: 'Succeeded' });

    const newer = await logsOf(task.id, `?after=${total - 2}`);
    expect(newer.map((line) => line.seq)).toEqual([total - 1, total]);
    expect(await logsOf(task.id, `?after=${total}`)).toEqual([]);
    const page = await logsOf(task.id, '?after=0&limit=3');
    expect(page.map((line) => line.seq)).toEqual([total - 999, total - 998, total - 997]);
  });

  it('is scoped to the project: another project reads 404, no key 401, bad input 422', async () => {
    const task = await run('csv_processing', { num_rows: 5 });
    expect((await logsOf(task.id, '', root)).length).toBeGreaterThan(0);
    const other = await betaViewer.api.request<{ detail: string }>(
      'GET',
      `/api/tasks/${task.id}/logs`,
    );
    expect(other.status).toBe(404);
    expect(other.body.detail).toBe('Task not found');
    const anonymous = await new ApiClient(service.url).request('GET', `/api/tasks/${task.id}/logs`);
    expect(anonymous.status).toBe(401);
    const unknown = await alphaViewer.api.request(
      'GET',
      '/api/tasks/00000000-0000-4000-8000-000000000000/logs',
    );
    expect(unknown.status).toBe(404);
    for (const query of ['?after=abc', '?after=-1', '?limit=0', '?limit=1001']) {
      const bad = await alphaViewer.api.request<{ detail: { loc: string[] }[] }>(
        'GET',
        `/api/tasks/${task.id}/logs${query}`,
      );
      expect(bad.status).toBe(422);
      expect(bad.body.detail[0].loc[0]).toBe('query');
    }
  });

  it("streams a task's new lines as `logs` events to its own project only", async () => {
    const alpha = await SseReader.open(`${service.url}/api/events`, bearer(alphaViewer.key));
    const beta = await SseReader.open(`${service.url}/api/events`, bearer(betaViewer.key));
    try {
      const task = await alphaOperator.api.submit('csv_processing', { num_rows: 20 });
      const seen: LogLine[] = [];
      await alpha.waitForMessage('the task\'s "Succeeded" line', (message) => {
        if (message.event !== 'logs') return false;
        const data = JSON.parse(message.data) as LogsAnswer & { project?: string };
        if (data.task_id !== task.id) return false;
        expect(data.project).toBeUndefined();
        seen.push(...data.lines);
        return data.lines.some((line) => line.message === 'Succeeded');
      });
      const unique = [...new Map(seen.map((line) => [line.seq, line])).values()];
      expect(unique).toEqual(await logsOf(task.id));
      // Batched: far fewer events than lines would be one per line.
      const events = alpha.messages.filter(
        (message) => message.event === 'logs' && message.data.includes(task.id),
      );
      expect(events.length).toBeLessThan(unique.length);
      expect(beta.messages.filter((message) => message.data.includes(task.id))).toEqual([]);
    } finally {
      alpha.close();
      beta.close();
    }
  });
});
