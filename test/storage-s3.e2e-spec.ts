import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { simpleParser } from 'mailparser';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateCsvFile } from '../src/task-types/csv/csv-generate';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { DatabaseEnv, isolatedDatabase } from './utils/databases';
import { recordFaultRow } from './utils/fault-report';
import { faultScale } from './utils/fault-scale';
import { startS3Server, TestS3Server } from './utils/s3-server';
import { ServiceProcess, startService, TestService } from './utils/start-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';
import { waitForWorkers } from './utils/workers-ready';

// An API and a worker that share no DATA_DIR, as on two machines: every upload, output and
// outbox message goes through the S3-compatible server. Two hosts need a shared SQL database
// too, so this suite runs on PostgreSQL whatever TEST_DATABASE says.
const FINISHED = ['SUCCESS', 'FAILED', 'CANCELLED'];

interface ImageResult {
  original_name: string;
  processed_name?: string;
  url?: string;
  thumbnail_url?: string;
  error?: string;
}

/** Peak resident memory of a process, in MiB (Linux). */
function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** An API process and a worker process with DATA_DIRs of their own, on one bucket prefix. */
interface SplitService {
  api: ApiClient;
  service: TestService;
  worker: ServiceProcess;
  workerDataDir: string;
  prefix: string;
  stop(): Promise<void>;
}

async function startSplit(
  s3: TestS3Server,
  database: DatabaseEnv,
  prefix: string,
  env: Record<string, string> = {},
): Promise<SplitService> {
  const service = await startService({
    ...database.env,
    ...s3.env(prefix),
    APP_ROLE: 'api',
    ...env,
  });
  const workerDataDir = mkdtempSync(join(tmpdir(), 'conveyor-s3-worker-'));
  const worker = service.spawnPeer({ APP_ROLE: 'worker', DATA_DIR: workerDataDir });
  // Generous: on a loaded machine a process takes long to start.
  await waitForWorkers(service.url, 240_000);
  return {
    api: new ApiClient(service.url),
    service,
    worker,
    workerDataDir,
    prefix,
    stop: async () => {
      await service.stop();
      rmSync(workerDataDir, { recursive: true, force: true });
    },
  };
}

/** Neither process kept a file of its own: no uploads, outputs or outbox under its DATA_DIR. */
function expectNothingOnDisk(split: SplitService): void {
  for (const dir of [split.service.dataDir, split.workerDataDir]) {
    for (const folder of ['uploads', 'tasks', 'outbox']) {
      expect(existsSync(join(dir, folder))).toBe(false);
    }
  }
}

describe('uploads, outputs and the outbox in S3-compatible storage (postgres)', () => {
  const database = isolatedDatabase('postgres');
  let s3: TestS3Server;
  let split: SplitService;

  beforeAll(async () => {
    s3 = await startS3Server();
    split = await startSplit(s3, database, 'e2e/main', { UPLOAD_MAX_IMAGE_BYTES: '200000' });
  }, 300_000);

  afterAll(async () => {
    await split?.stop();
    await s3?.stop();
    await database.drop();
  });

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await split.api.submit(taskType, params);
    return split.api.waitForStatus(task.id, FINISHED, 120_000);
  }

  it('analyses an uploaded CSV that only the bucket holds', async () => {
    const csv = Buffer.from('name,amount\nada,3\nbob,4\ncy,5\n');
    const file = await upload(split.service.url, csv, 'people.csv');
    expect(file.status).toBe(201);
    const id = file.body.file_id as string;
    expect(await s3.read(`e2e/main/uploads/${id}`)).toEqual(csv);

    const done = await run('csv_processing', { file_id: id });
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ total_rows: 3, processed_rows: 3 });
    expectNothingOnDisk(split);
  });

  it('resizes uploaded images into the bucket and serves them at the same URLs', async () => {
    const png = await sharp({ create: { width: 80, height: 60, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const file = await upload(split.service.url, png, 'red.png');
    expect(file.status).toBe(201);
    const done = await run('image_processing', {
      file_ids: [file.body.file_id],
      target_width: 40,
      target_height: 30,
      format: 'png',
    });
    expect(done.status).toBe('SUCCESS');
    const [image] = (done.result_data as { images: ImageResult[] }).images;
    expect(image.url).toBe(`/api/tasks/${done.id}/files/${image.processed_name}`);

    const keys = (await s3.keys(`e2e/main/tasks/${done.id}/`)).sort();
    expect(keys).toEqual(
      [image.processed_name!, image.processed_name!.replace(/\.png$/, '.thumb.webp')]
        .map((name) => `e2e/main/tasks/${done.id}/outputs/${name}`)
        .sort(),
    );

    const resized = await fetch(`${split.service.url}${image.url}`);
    expect(resized.status).toBe(200);
    expect(resized.headers.get('content-type')).toBe('image/png');
    expect(resized.headers.get('content-disposition')).toBe(
      `inline; filename="${image.processed_name}"`,
    );
    const body = Buffer.from(await resized.arrayBuffer());
    expect(resized.headers.get('content-length')).toBe(String(body.length));
    expect(await sharp(body).metadata()).toMatchObject({ width: 40, height: 30, format: 'png' });
    expect(body).toEqual(
      await s3.read(`e2e/main/tasks/${done.id}/outputs/${image.processed_name}`),
    );

    const thumbnail = await fetch(`${split.service.url}${image.thumbnail_url}`);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata()).format).toBe(
      'webp',
    );
    // A task's output usage counts what is in the bucket.
    const stored = await s3.keys(`e2e/main/tasks/${done.id}/`);
    expect(stored).toHaveLength(2);
    expectNothingOnDisk(split);
  });

  it('keeps generated test images in the bucket too', async () => {
    const done = await run('image_processing', {
      num_images: 2,
      target_width: 16,
      target_height: 16,
    });
    expect(done.status).toBe('SUCCESS');
    expect(await s3.keys(`e2e/main/tasks/${done.id}/outputs/`)).toHaveLength(4);
  });

  it('writes e-mail to the outbox in the bucket when no SMTP_URL is set', async () => {
    const submitted = await split.api.submit('email_sending', {
      recipients: [{ email: 'dee@outbox.test', name: 'Dee', code: 'A-1' }, 'eve@outbox.test'],
      subject: 'Code for {{name}}',
      body: 'Your code: {{code}}',
    });
    const done = await split.api.waitForStatus(submitted.id, FINISHED, 60_000);
    expect(done.status).toBe('SUCCESS');
    const keys = await s3.keys(`e2e/main/outbox/${done.id}/`);
    expect(keys).toHaveLength(2);
    const mails = await Promise.all(keys.map(async (key) => simpleParser(await s3.read(key))));
    const dee = mails.find((mail) => mail.subject === 'Code for Dee');
    expect(dee?.text?.trim()).toBe('Your code: A-1');
    const emails = (done.result_data as { emails: { response: string }[] }).emails;
    expect(emails.map((email) => email.response).sort()).toEqual(
      keys.map((key) => `stored as ${key.slice('e2e/main/'.length)}`).sort(),
    );
    expectNothingOnDisk(split);
  });

  it('refuses uploads with the same answers and leaves no object behind', async () => {
    const before = await s3.keys('e2e/main/uploads/');
    const tooBig = await sharp({
      create: { width: 800, height: 800, channels: 3, background: 'blue' },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const refused = await upload(split.service.url, tooBig, 'big.png');
    expect(refused.status).toBe(413);
    expect(refused.body.detail).toMatch(/^The image file is larger than the .* limit/);
    const binary = await upload(split.service.url, Buffer.from([0, 1, 2, 3, 0, 0]), 'x.bin');
    expect(binary.status).toBe(415);
    expect(await s3.keys('e2e/main/uploads/')).toEqual(before);
  });

  it('fails clearly when a stored file was removed behind its back', async () => {
    const csv = await upload(split.service.url, Buffer.from('a,b\n1,2\n'), 'gone.csv');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const image = await upload(split.service.url, png, 'gone.png');
    for (const id of [csv.body.file_id, image.body.file_id]) {
      await s3.client.send(
        new DeleteObjectCommand({ Bucket: s3.bucket, Key: `e2e/main/uploads/${id as string}` }),
      );
    }
    const csvTask = await run('csv_processing', { file_id: csv.body.file_id });
    expect(csvTask.status).toBe('FAILED');
    expect(csvTask.error_message).toBe(
      `The uploaded file ${csv.body.file_id as string} is no longer in storage (removed outside Conveyor); upload it again and submit a new task`,
    );
    const imageTask = await run('image_processing', { file_ids: [image.body.file_id] });
    expect(imageTask.status).toBe('FAILED');
    expect((imageTask.result_data as { images: ImageResult[] }).images[0].error).toBe(
      'The uploaded file is no longer in storage (removed outside Conveyor); upload it again',
    );

    // An output removed from the bucket is a plain 404 at its URL.
    const done = await run('image_processing', {
      num_images: 1,
      target_width: 8,
      target_height: 8,
    });
    const [result] = (done.result_data as { images: ImageResult[] }).images;
    await s3.client.send(
      new DeleteObjectCommand({
        Bucket: s3.bucket,
        Key: `e2e/main/tasks/${done.id}/outputs/${result.processed_name}`,
      }),
    );
    const missing = await fetch(`${split.service.url}${result.url}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: 'File not found' });
  });
});

describe('retention in S3-compatible storage (postgres)', () => {
  const database = isolatedDatabase('postgres');
  let s3: TestS3Server;
  let split: SplitService;

  beforeAll(async () => {
    s3 = await startS3Server();
    // 0.0002 days is 17.28 s: long enough to see the objects of a finished task before they go.
    split = await startSplit(s3, database, 'e2e/retention', {
      RETENTION_DAYS: '0.0002',
      RETENTION_SWEEP_SECONDS: '1',
    });
  }, 300_000);

  afterAll(async () => {
    await split?.stop();
    await s3?.stop();
    await database.drop();
  });

  it("deletes an old task's outputs, outbox and unused uploads from the bucket", async () => {
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const file = await upload(split.service.url, png, 'red.png');
    const imageId = file.body.file_id as string;
    const image = await split.api.submit('image_processing', {
      file_ids: [imageId],
      target_width: 10,
      target_height: 10,
    });
    const mail = await split.api.submit('email_sending', { num_emails: 2 });
    for (const task of [image, mail]) {
      expect((await split.api.waitForStatus(task.id, FINISHED, 60_000)).status).toBe('SUCCESS');
    }
    expect(await s3.keys(`e2e/retention/tasks/${image.id}/`)).toHaveLength(2);
    expect(await s3.keys(`e2e/retention/outbox/${mail.id}/`)).toHaveLength(2);
    expect(await s3.keys(`e2e/retention/uploads/${imageId}`)).toHaveLength(1);

    await waitFor(
      'the finished tasks and their objects to be removed',
      async () => (await s3.keys('e2e/retention/')).length === 0,
      { timeoutMs: 90_000, intervalMs: 250 },
    );
    expect((await split.api.request('GET', `/api/tasks/${image.id}`)).status).toBe(404);
    expect(split.service.process.output()).toMatch(/Retention removed \d+ finished task\(s\)/);
    expectNothingOnDisk(split);
  });
});

// `npm run test:faults` checks a 1 GB file (under the default 1 GiB UPLOAD_MAX_CSV_BYTES);
// `npm test` the same with a smaller one.
const ROWS = faultScale(11_500_000, 600_000);
const MIN_MB = faultScale(1000, 45);

describe(`a ${MIN_MB} MB CSV upload through S3-compatible storage (postgres)`, () => {
  const database = isolatedDatabase('postgres');
  const scratch = mkdtempSync(join(tmpdir(), 'conveyor-s3-csv-'));
  let s3: TestS3Server;
  let split: SplitService;

  beforeAll(async () => {
    s3 = await startS3Server();
    split = await startSplit(s3, database, 'e2e/large');
  }, 300_000);

  afterAll(async () => {
    await split?.stop();
    await s3?.stop();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`uploads and analyses a ${MIN_MB} MB CSV with the API and the worker in bounded memory`, async () => {
    const path = join(scratch, 'large.csv');
    await generateCsvFile(path, ROWS, { seed: 11 });
    const size = statSync(path).size;
    expect(size).toBeGreaterThan(MIN_MB * 1000 * 1000);
    const apiPid = split.service.process.child.pid!;
    const workerPid = split.worker.child.pid!;
    const apiIdle = peakRssMiB(apiPid);
    const workerIdle = peakRssMiB(workerPid);

    const file = await upload(split.service.url, path, 'large.csv');
    expect(file.status).toBe(201);
    expect(file.body.size).toBe(size);
    const apiPeak = peakRssMiB(apiPid);
    const task = await split.api.submit('csv_processing', { file_id: file.body.file_id });
    const done = await split.api.waitForStatus(task.id, FINISHED, 1_500_000);
    expect(done.status).toBe('SUCCESS');
    expect(done.result_data).toMatchObject({ total_rows: ROWS, processed_rows: ROWS });
    const workerPeak = peakRssMiB(workerPid);
    const emulator = peakRssMiB(s3.child.pid!);

    recordFaultRow({
      scenario: `S3: CSV upload of ${(size / 1e6).toFixed(0)} MB, API and worker memory`,
      database: 'postgres',
      tasks: 1,
      lost: 0,
      stuck: 0,
      duplicated: null,
      reExecutions: done.attempts - 1,
      recoveryMs: null,
      notes:
        `API peak RSS ${apiPeak.toFixed(0)} MiB (${apiIdle.toFixed(0)} before the upload), ` +
        `worker peak RSS ${workerPeak.toFixed(0)} MiB (${workerIdle.toFixed(0)} before the task); ` +
        `the in-memory S3 emulator's own peak ${emulator.toFixed(0)} MiB is not Conveyor's`,
    });
    // Streaming both ways: what either process adds is a few multipart parts and the parser's
    // window, the same for 45 MB as for 1 GB (a process holding the file would add all of it),
    // and both stay under 200 MB resident.
    expect(apiPeak).toBeLessThan(200);
    expect(workerPeak).toBeLessThan(200);
    expect(apiPeak - apiIdle).toBeLessThan(100);
    expect(workerPeak - workerIdle).toBeLessThan(100);
  }, 1_800_000);
});
