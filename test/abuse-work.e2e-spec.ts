import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { expectHealthUnaffected, healthDuring } from './utils/health-probe';
import { startService, TestService } from './utils/start-service';
import { readTaskRows } from './utils/task-rows';
import { upload } from './utils/upload';

interface Problem {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Small limits where the environment sets them, so that each attack is cheap to make. */
const CSV_MAX_COLUMNS = 50;
const LIMITS = {
  CSV_MAX_COLUMNS: String(CSV_MAX_COLUMNS),
  MAIL_FROM: 'Conveyor <noreply@abuse.test>',
  MAIL_FROM_ALLOWED: 'news@abuse.test',
  MAIL_RECIPIENT_DOMAINS: 'abuse.test',
};

/** Every file under `dir`, relative to it, with its size: what a refused request must not change. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => `${relative(dir, join(dir, path))}`)
    .filter((path) => !path.startsWith('conveyor.sqlite'))
    .sort();
}

describe(`abuse: work cost and mail relay limits (${TEST_DATABASE}, role all)`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    // Role all: the API shares its event loop with the workers, as the attacks found it.
    service = await startService({ ...database.env, APP_ROLE: 'all', ...LIMITS });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  /**
   * Runs `attack` while another client asks /api/health over and over (at least three times),
   * and checks that it added less than the allowed delay to the slowest answer.
   */
  async function withHealthProbe<T>(
    attack: () => Promise<T>,
  ): Promise<{ result: T; slowestMs: number }> {
    const probed = await healthDuring(service.url, attack, { minProbes: 3 });
    expectHealthUnaffected(probed);
    return { result: probed.result, slowestMs: probed.healthMs };
  }

  async function runToEnd(
    taskType: string,
    params: Record<string, unknown>,
  ): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 120_000);
  }

  /**
   * Sends a submit that must be refused: its status, its problems, and proof that it left no
   * task row and no file behind.
   */
  async function refusedSubmit(
    taskType: string,
    params: Record<string, unknown>,
  ): Promise<{ status: number; problems: Problem[] }> {
    const rowsBefore = (await readTaskRows(database, service.dataDir)).length;
    const filesBefore = filesUnder(service.dataDir);
    const answer = await api.request<{ detail: Problem[] }>('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: params,
    });
    expect((await readTaskRows(database, service.dataDir)).length).toBe(rowsBefore);
    expect(filesUnder(service.dataDir)).toEqual(filesBefore);
    return { status: answer.status, problems: answer.body.detail };
  }

  const record = (scenario: string, requests: number, notes: string): void =>
    recordFaultRow({
      scenario: `Abuse: ${scenario}`,
      database: TEST_DATABASE,
      tasks: requests,
      lost: null,
      stuck: null,
      duplicated: null,
      reExecutions: null,
      recoveryMs: null,
      notes,
    });

  const ms = (value: number): string => `${value.toFixed(0)} ms`;

  describe('CSV column bomb', () => {
    it(`fails a file of 80,000 header columns naming CSV_MAX_COLUMNS (${CSV_MAX_COLUMNS})`, async () => {
      const header = Array.from({ length: 80_000 }, (_, i) => `c${i}`).join(',');
      const row = Array.from({ length: 80_000 }, () => 'x').join(',');
      const file = Buffer.from(`${header}\n${row}\n${row}\n`);
      const uploaded = await upload(service.url, file, 'bomb.csv');
      expect(uploaded.status).toBe(201);
      const { result: task, slowestMs } = await withHealthProbe(() =>
        runToEnd('csv_processing', { file_id: uploaded.body.file_id }),
      );
      expect(task.status).toBe('FAILED');
      expect(task.error_message).toBe(
        `The file has more than ${CSV_MAX_COLUMNS} columns; at most ${CSV_MAX_COLUMNS} can be analysed (CSV_MAX_COLUMNS)`,
      );
      record(
        `CSV column bomb (80,000 header columns, ${Math.round(file.length / 1024)} KiB)`,
        1,
        `CSV_MAX_COLUMNS=${CSV_MAX_COLUMNS}; task FAILED "${task.error_message}"; ` +
          `health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('counts 40 distinct 1 MB values by hash and keeps none of them in the result', async () => {
      const value = (n: number): string => `${String(n).padStart(3, '0')}${'v'.repeat(1_000_000)}`;
      const lines = ['id,blob'];
      for (let i = 0; i < 40; i++) lines.push(`${i},${value(i)}`);
      for (let i = 0; i < 3; i++) lines.push(`again,${value(7)}`);
      const uploaded = await upload(service.url, Buffer.from(`${lines.join('\n')}\n`), 'long.csv');
      expect(uploaded.status).toBe(201);
      const { result: task, slowestMs } = await withHealthProbe(() =>
        runToEnd('csv_processing', { file_id: uploaded.body.file_id }),
      );
      expect(task.status).toBe('SUCCESS');
      const columns = (task.result_data as { columns: Record<string, unknown>[] }).columns;
      const blob = columns.find((column) => column.name === 'blob') as {
        type: string;
        distinct: number;
        top_values: { value: string; count: number }[];
      };
      expect(blob).toMatchObject({ type: 'text', distinct: 40 });
      expect(blob.top_values[0].count).toBe(4);
      expect(blob.top_values[0].value).toMatch(
        /^007v{97}… \(1,000,003 characters, sha256 [0-9a-f]{16}\)$/,
      );
      expect(JSON.stringify(task.result_data).length).toBeLessThan(10_000);
      record(
        'CSV of 40 distinct 1 MB values',
        1,
        `values over 1 KiB counted by hash; task SUCCESS, result ` +
          `${JSON.stringify(task.result_data).length} bytes; health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('keeps /api/health answering while a generated CSV of 300,000 rows is analysed', async () => {
      const { result: task, slowestMs } = await withHealthProbe(() =>
        runToEnd('csv_processing', { num_rows: 300_000 }),
      );
      expect(task.status).toBe('SUCCESS');
      expect((task.result_data as { processed_rows: number }).processed_rows).toBe(300_000);
      record(
        'CSV analysis holding the event loop (300,000 generated rows)',
        1,
        `the analysis yields to the loop every 50 ms; task SUCCESS; health ≤ ${ms(slowestMs)} during it`,
      );
    });
  });

  describe('pacing caps', () => {
    it('refuses e-mail paced past 600 s and a CSV processing_time over 600 s', async () => {
      const { result, slowestMs } = await withHealthProbe(async () => ({
        email: await refusedSubmit('email_sending', {
          recipients: Array.from({ length: 10_000 }, (_, i) => `u${i}@abuse.test`),
          subject: 'Hi',
          delay_per_email: 60,
        }),
        csv: await refusedSubmit('csv_processing', { num_rows: 10, processing_time: 3600 }),
      }));
      expect(result.email.status).toBe(422);
      expect(result.email.problems).toEqual([
        {
          loc: ['body', 'input_params', 'delay_per_email'],
          msg:
            'delay_per_email x recipients must be at most 600 seconds (a paced run lasts at most ' +
            '10 minutes); 60 x 10000 is 600000',
          type: 'value_error.pacing_too_long',
        },
      ]);
      expect(result.csv.status).toBe(422);
      expect(result.csv.problems.map((problem) => problem.msg)).toEqual([
        'processing_time must be at most 600 seconds (a paced run lasts at most 10 minutes)',
      ]);
      record(
        'Pacing past 10 minutes (10,000 recipients x 60 s; processing_time 3600)',
        2,
        `run paced to at most 600 s; 422 "${result.email.problems[0].msg}"; ` +
          `health ≤ ${ms(slowestMs)} during it`,
      );
    });
  });

  describe('open mail relay', () => {
    it('refuses a sender that is not MAIL_FROM or in MAIL_FROM_ALLOWED', async () => {
      const { result, slowestMs } = await withHealthProbe(() =>
        refusedSubmit('email_sending', {
          recipients: ['a@abuse.test'],
          subject: 'Wire the money',
          from: 'ceo@bank.test',
        }),
      );
      expect(result.status).toBe(422);
      expect(result.problems).toEqual([
        {
          loc: ['body', 'input_params', 'from'],
          msg:
            'from must be MAIL_FROM or one of MAIL_FROM_ALLOWED (noreply@abuse.test, ' +
            'news@abuse.test); leave it out to send from MAIL_FROM',
          type: 'value_error.sender_not_allowed',
        },
      ]);
      record(
        'Mail relay: any sender',
        1,
        `MAIL_FROM_ALLOWED=${LIMITS.MAIL_FROM_ALLOWED}; 422 naming the allowed senders; ` +
          `health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('refuses recipients outside MAIL_RECIPIENT_DOMAINS, listing them, seed ones too', async () => {
      const { result, slowestMs } = await withHealthProbe(async () => ({
        listed: await refusedSubmit('email_sending', {
          recipients: ['ok@abuse.test', 'victim@elsewhere.test', { email: 'x@ABUSE.test.evil' }],
          subject: 'Hi',
        }),
        seed: await refusedSubmit('email_sending', { num_emails: 3 }),
      }));
      expect(result.listed.status).toBe(422);
      expect(result.listed.problems).toEqual([
        {
          loc: ['body', 'input_params', 'recipients'],
          msg:
            '2 recipient(s) outside MAIL_RECIPIENT_DOMAINS (abuse.test): ' +
            'victim@elsewhere.test, x@ABUSE.test.evil',
          type: 'value_error.recipient_domain_not_allowed',
        },
      ]);
      expect(result.seed.status).toBe(422);
      expect(result.seed.problems[0].msg).toBe(
        '3 recipient(s) outside MAIL_RECIPIENT_DOMAINS (abuse.test): ' +
          'user1@example.com, user2@example.com, user3@example.com',
      );
      record(
        'Mail relay: any recipient',
        2,
        `MAIL_RECIPIENT_DOMAINS=${LIMITS.MAIL_RECIPIENT_DOMAINS}; 422 listing the refused ` +
          `recipients; health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('refuses quoted local parts and control characters, which nodemailer would flatten', async () => {
      const { result, slowestMs } = await withHealthProbe(() =>
        refusedSubmit('email_sending', {
          recipients: ['"victim@elsewhere.test x"@abuse.test', 'a\u0000b@abuse.test'],
          subject: 'Hi',
        }),
      );
      expect(result.status).toBe(422);
      expect(result.problems.map((problem) => [problem.loc, problem.msg])).toEqual([
        [
          ['body', 'input_params', 'recipients', 0],
          '"\\"victim@elsewhere.test x\\"@abuse.test" must not have a quoted local part',
        ],
        [
          ['body', 'input_params', 'recipients', 1],
          '"a\\u0000b@abuse.test" must not contain control characters',
        ],
      ]);
      record(
        'Mail relay: quoted local part and control characters',
        1,
        `each such recipient refused; 422 per recipient; health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('still sends from an allowed sender to an allowed domain', async () => {
      const task = await runToEnd('email_sending', {
        recipients: ['ok@abuse.test'],
        subject: 'Hi',
        from: 'News@abuse.test',
      });
      expect(task.status).toBe('SUCCESS');
      expect(task.result_data).toMatchObject({ sent_successfully: 1 });
    });
  });

  describe('image cost', () => {
    it('enlarges a tiny 1x10 PNG with fit outside at 2048 to 4x40, not 2048x20480', async () => {
      const tiny = await sharp({
        create: { width: 1, height: 10, channels: 3, background: '#224466' },
      })
        .png()
        .toBuffer();
      const uploaded = await upload(service.url, tiny, 'tiny.png');
      expect(uploaded.status).toBe(201);
      const { result: task, slowestMs } = await withHealthProbe(() =>
        runToEnd('image_processing', {
          file_ids: [uploaded.body.file_id],
          target_width: 2048,
          target_height: 2048,
          fit: 'outside',
          format: 'png',
        }),
      );
      expect(task.status).toBe('SUCCESS');
      const [image] = (task.result_data as { images: Record<string, unknown>[] }).images;
      expect(image).toMatchObject({
        original_size: '1x10',
        new_size: '4x40',
        size_limited_by: 'at most 4x the source on each side',
      });
      record(
        `Image enlargement (${tiny.length}-byte 1x10 PNG, fit outside at 2048)`,
        1,
        `at most 4x the source per side and 100 megapixels; task SUCCESS at ${String(image.new_size)} ` +
          `(was 2048x20480); health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('resizes a file_id repeated 100 times once, and says so', async () => {
      const picture = await sharp({
        create: { width: 64, height: 48, channels: 3, background: '#aa3300' },
      })
        .jpeg()
        .toBuffer();
      const uploaded = await upload(service.url, picture, 'one.jpg');
      const id = uploaded.body.file_id as string;
      const { result: task, slowestMs } = await withHealthProbe(() =>
        runToEnd('image_processing', {
          file_ids: Array.from({ length: 100 }, () => id),
          target_width: 32,
          target_height: 24,
        }),
      );
      expect(task.status).toBe('SUCCESS');
      expect(task.result_data).toMatchObject({
        total_images: 1,
        duplicates_removed: 99,
        processed_successfully: 1,
      });
      const outputs = readdirSync(join(service.dataDir, 'tasks', task.id, 'outputs'));
      expect(outputs.filter((name) => !name.endsWith('.thumb.webp'))).toHaveLength(1);
      record(
        'Image: one file_id repeated 100 times',
        1,
        `repeated file_ids resized once; task SUCCESS with duplicates_removed 99; ` +
          `health ≤ ${ms(slowestMs)} during it`,
      );
    });

    it('refuses a task asking for more than 250 megapixels of output', async () => {
      const { result, slowestMs } = await withHealthProbe(() =>
        refusedSubmit('image_processing', {
          num_images: 100,
          target_width: 8192,
          target_height: 8192,
          format: 'avif',
        }),
      );
      expect(result.status).toBe(422);
      expect(result.problems).toEqual([
        {
          loc: ['body', 'input_params', 'num_images'],
          msg:
            '100 images at 8192x8192 are 6711 megapixels; a task may ask for at most 250 ' +
            'megapixels of output (at this size, at most 3 images), so split it or ask for a ' +
            'smaller size',
          type: 'value_error.too_many_pixels',
        },
      ]);
      record(
        'Image output pixels (100 x 8192x8192 AVIF)',
        1,
        `at most 250 megapixels per task; 422 "${result.problems[0].msg.slice(0, 60)}…"; ` +
          `health ≤ ${ms(slowestMs)} during it`,
      );
    });
  });
});
