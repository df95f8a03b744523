import { createHash } from 'node:crypto';
import { get } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { pngClaiming } from '../src/testing/png-bomb';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';
import { startService, TestService } from './utils/start-service';
import { upload } from './utils/upload';
import { waitFor } from './utils/wait-for';

interface ImageResult {
  original_name: string;
  processed_name?: string;
  new_size?: string;
  format?: string;
  url?: string;
  thumbnail_url?: string;
  error?: string;
}

/** GETs `path` exactly as written; fetch would normalise dot segments such as %2E%2E away. */
function rawStatus(baseUrl: string, path: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = get({ hostname, port, path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

describe(`uploads and real inputs on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  let service: TestService;
  let api: ApiClient;

  beforeAll(async () => {
    service = await startService({
      ...database.env,
      APP_ROLE: 'api',
      UPLOAD_MAX_IMAGE_BYTES: String(2 * 1024 * 1024),
      FILE_RETENTION_SECONDS: '2',
    });
    service.spawnPeer({ APP_ROLE: 'worker' });
    api = new ApiClient(service.url);
  });

  afterAll(async () => {
    await service?.stop();
    await database.drop();
  });

  const uploadsOnDisk = (): string[] => readdirSync(join(service.dataDir, 'uploads'));

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, ['SUCCESS', 'FAILED'], 90_000);
  }

  it('stores an upload under its id with the sha256 and the type read from its content', async () => {
    const csv = Buffer.from('a,b\n1,2\n');
    const answer = await upload(service.url, csv, 'numbers.png');
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      filename: 'numbers.png',
      size: csv.length,
      content_type: 'text/csv',
      sha256: createHash('sha256').update(csv).digest('hex'),
    });
    const id = answer.body.file_id as string;
    expect(readFileSync(join(service.dataDir, 'uploads', id))).toEqual(csv);
    const metadata = await api.request('GET', `/api/files/${id}`);
    expect(metadata.body).toEqual(answer.body);
    expect((await api.request('GET', '/api/files/not-an-id')).status).toBe(404);
  });

  it('keeps a traversal-looking name as metadata only', async () => {
    const answer = await upload(service.url, Buffer.from('x,y\n1,2\n'), '../../etc/passwd');
    expect(answer.status).toBe(201);
    expect(answer.body.filename).toBe('passwd');
    expect(uploadsOnDisk()).toContain(answer.body.file_id);
    expect(existsSync(join(service.dataDir, 'etc'))).toBe(false);
  });

  it('refuses an oversize upload with 413 and leaves nothing on disk', async () => {
    const before = uploadsOnDisk();
    const tooBig = await sharp({
      create: {
        width: 2000,
        height: 2000,
        channels: 3,
        background: 'black',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(tooBig.length).toBeGreaterThan(2 * 1024 * 1024);
    const answer = await upload(service.url, tooBig, 'noise.png');
    expect(answer.status).toBe(413);
    expect(answer.body.detail).toEqual(expect.stringContaining('limit'));
    // Retention may remove older uploads meanwhile; what matters is that nothing was added.
    expect(uploadsOnDisk().filter((name) => !before.includes(name))).toEqual([]);
  });

  it('refuses binary data that is neither CSV nor a supported image with 415', async () => {
    const answer = await upload(
      service.url,
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 1, 2, 3]),
      'data.csv',
    );
    expect(answer.status).toBe(415);
    expect(answer.body.detail).toEqual(expect.stringContaining('CSV'));
  });

  it('computes the exact statistics of a CSV with quotes, a BOM, a malformed line and mixed types', async () => {
    const csv = [
      '\uFEFFname;amount;count;active;joined;note',
      '"Smith; Jane";10.5;3;true;2024-01-05;"said ""hi"""',
      'Lee;-2.5;7;false;2024-02-10;"two',
      'lines"',
      'broken;row',
      'Ng;4;;yes;2024-03-15;',
      'Ng;8;2;no;2024-04-20;plain',
      '',
    ].join('\n');
    const file = await upload(service.url, Buffer.from(csv), 'people.csv');
    const done = await run('csv_processing', { file_id: file.body.file_id });
    expect(done.status).toBe('SUCCESS');
    const result = done.result_data as Record<string, unknown>;
    expect(result).toMatchObject({
      total_rows: 5,
      processed_rows: 4,
      malformed_rows: 1,
      delimiter: ';',
      statistics: { column: 'amount', sum: 20, avg: 5, min: -2.5, max: 10.5 },
    });
    expect(result.malformed_examples).toEqual([
      { line: 5, error: expect.stringContaining('') as string },
    ]);
    const columns = result.columns as Record<string, unknown>[];
    expect(columns.map((c) => [c.name, c.type, c.count, c.nulls])).toEqual([
      ['name', 'text', 4, 0],
      ['amount', 'number', 4, 0],
      ['count', 'integer', 4, 1],
      ['active', 'boolean', 4, 0],
      ['joined', 'date', 4, 0],
      ['note', 'text', 4, 1],
    ]);
    expect(columns[0]).toMatchObject({
      distinct: 3,
      top_values: [{ value: 'Ng', count: 2 }, expect.anything(), expect.anything()],
    });
    expect(columns[2]).toMatchObject({ min: 2, max: 7, sum: 12, mean: 4 });
    expect(columns[5]).toMatchObject({ distinct: 3 });
    expect((columns[5].top_values as { value: string }[]).map((t) => t.value)).toContain(
      'two\nlines',
    );
  });

  it('fails a CSV task with a clear message when nothing parses', async () => {
    const file = await upload(service.url, Buffer.from('"never closed,1,2\n3,4'), 'bad.csv');
    const done = await run('csv_processing', { file_id: file.body.file_id });
    expect(done.status).toBe('FAILED');
    expect(done.error_message).toMatch(/No row of the file could be parsed/);
    // It read the whole file, but a full bar is for SUCCESS only.
    expect(done.progress).toBeLessThan(100);
  });

  it('keeps the progress a CSV task had reached when it fails midway', async () => {
    // 1 MiB of good rows, binary data, then more rows: the run stops at the NUL byte.
    const row = 'alpha,1,2.5\n';
    const text = row.repeat(Math.ceil((1024 * 1024) / row.length));
    const file = await upload(
      service.url,
      Buffer.concat([Buffer.from(`name,a,b\n${text}`), Buffer.from([0]), Buffer.from(text)]),
      'midway.csv',
    );
    expect(file.status).toBe(201);
    const done = await run('csv_processing', {
      file_id: file.body.file_id,
      processing_time: 2,
    });
    expect(done.status).toBe('FAILED');
    expect(done.error_message).toMatch(/binary data/);
    expect(done.progress).toBeGreaterThan(0);
    expect(done.progress).toBeLessThan(100);
  });

  it('answers 422 for a file of the wrong kind, an unknown file, or both file_id and num_rows', async () => {
    const image = await upload(
      service.url,
      await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
        .png()
        .toBuffer(),
      'r.png',
    );
    const wrongKind = await api.request<{ detail: { loc: unknown[] }[] }>(
      'POST',
      '/api/tasks/submit',
      {
        task_type: 'csv_processing',
        input_params: { file_id: image.body.file_id },
      },
    );
    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.detail[0].loc).toEqual(['body', 'input_params', 'file_id']);
    const unknown = await api.request<{ detail: { loc: unknown[] }[] }>(
      'POST',
      '/api/tasks/submit',
      {
        task_type: 'image_processing',
        input_params: { file_ids: [image.body.file_id, '00000000-0000-4000-8000-000000000000'] },
      },
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail.map((p) => p.loc)).toEqual([
      ['body', 'input_params', 'file_ids', 1],
    ]);
    const both = await api.request('POST', '/api/tasks/submit', {
      task_type: 'csv_processing',
      input_params: { file_id: image.body.file_id, num_rows: 5 },
    });
    expect(both.status).toBe(422);
  });

  it('resizes every supported input format and serves the outputs and thumbnails', async () => {
    const source = sharp({
      create: { width: 300, height: 200, channels: 3, background: '#3366cc' },
    });
    const inputs: [string, Buffer][] = [
      ['photo.jpg', await source.clone().jpeg().toBuffer()],
      ['drawing.png', await source.clone().png().toBuffer()],
      ['web.webp', await source.clone().webp().toBuffer()],
      ['modern.avif', await source.clone().avif().toBuffer()],
      ['scan.tiff', await source.clone().tiff().toBuffer()],
      ['anim.gif', await source.clone().gif().toBuffer()],
    ];
    const ids: string[] = [];
    for (const [name, content] of inputs) {
      const answer = await upload(service.url, content, name);
      expect([name, answer.status]).toEqual([name, 201]);
      expect(answer.body.content_type).toMatch(/^image\//);
      ids.push(answer.body.file_id as string);
    }
    const done = await run('image_processing', {
      file_ids: ids,
      target_width: 64,
      target_height: 48,
      format: 'png',
    });
    expect(done.status).toBe('SUCCESS');
    const result = done.result_data as { processed_successfully: number; images: ImageResult[] };
    expect(result.processed_successfully).toBe(inputs.length);
    for (const image of result.images) {
      expect(image.new_size).toBe('64x48');
      const response = await fetch(`${service.url}${image.url}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([metadata.width, metadata.height, metadata.format, metadata.exif]).toEqual([
        64,
        48,
        'png',
        undefined,
      ]);
      const thumbnail = await fetch(`${service.url}${image.thumbnail_url}`);
      expect([thumbnail.status, thumbnail.headers.get('content-type')]).toEqual([
        200,
        'image/webp',
      ]);
    }
  });

  it('fails a truncated JPEG and a decompression bomb alone; the good image still succeeds', async () => {
    const jpeg = await sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: 'black',
        noise: { type: 'gaussian', mean: 100, sigma: 30 },
      },
    })
      .jpeg()
      .toBuffer();
    const good = await upload(service.url, jpeg, 'good.jpg');
    const truncated = await upload(
      service.url,
      jpeg.subarray(0, Math.floor(jpeg.length / 2)),
      'truncated.jpg',
    );
    const bomb = await upload(service.url, pngClaiming(50_000, 50_000), 'bomb.png');
    expect([good.status, truncated.status, bomb.status]).toEqual([201, 201, 201]);
    const done = await run('image_processing', {
      file_ids: [good.body.file_id, truncated.body.file_id, bomb.body.file_id],
      target_width: 100,
      target_height: 100,
    });
    expect(done.status).toBe('SUCCESS');
    const result = done.result_data as {
      processed_successfully: number;
      failed: number;
      images: ImageResult[];
    };
    expect([result.processed_successfully, result.failed]).toEqual([1, 2]);
    const [ok, cut, huge] = result.images;
    expect(ok.error).toBeUndefined();
    expect(cut.error).toEqual(expect.any(String));
    expect(huge.error).toMatch(/pixel limit/);

    const allBad = await run('image_processing', { file_ids: [truncated.body.file_id] });
    expect(allBad.status).toBe('FAILED');
    expect(allBad.error_message).toBe('No image could be processed');
  });

  // AVIF's encode runs in a child process of the worker (killable-resize.ts): the same outputs,
  // an uploaded file or a generated picture as input, and each image's own error.
  it('resizes to AVIF in a child process, with the same outputs and per-image errors', async () => {
    const jpeg = await sharp({
      create: { width: 320, height: 240, channels: 3, background: '#cc6633' },
    })
      .jpeg()
      .toBuffer();
    const good = await upload(service.url, jpeg, 'good.jpg');
    const truncated = await upload(service.url, jpeg.subarray(0, 200), 'truncated.jpg');
    const bomb = await upload(service.url, pngClaiming(50_000, 50_000), 'bomb.png');
    const done = await run('image_processing', {
      file_ids: [good.body.file_id, truncated.body.file_id, bomb.body.file_id],
      target_width: 64,
      target_height: 48,
      format: 'avif',
    });
    expect(done.status).toBe('SUCCESS');
    const [ok, cut, huge] = (done.result_data as { images: ImageResult[] }).images;
    expect([ok.new_size, ok.error]).toEqual(['64x48', undefined]);
    expect(cut.error).toMatch(/could not be decoded/);
    expect(huge.error).toMatch(/pixel limit/);
    const output = await fetch(`${service.url}${ok.url}`);
    expect([output.status, output.headers.get('content-type')]).toEqual([200, 'image/avif']);
    const metadata = await sharp(Buffer.from(await output.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height, metadata.compression]).toEqual([64, 48, 'av1']);
    const thumbnail = await fetch(`${service.url}${ok.thumbnail_url}`);
    expect([thumbnail.status, thumbnail.headers.get('content-type')]).toEqual([200, 'image/webp']);

    const generated = await run('image_processing', {
      num_images: 2,
      target_width: 32,
      target_height: 32,
      format: 'avif',
    });
    expect(generated.status).toBe('SUCCESS');
    expect(generated.result_data).toMatchObject({ processed_successfully: 2, failed: 0 });
  });

  it("serves only a task's own result files", async () => {
    const done = await run('image_processing', {
      num_images: 1,
      target_width: 10,
      target_height: 10,
    });
    const name = (done.result_data as { images: ImageResult[] }).images[0].processed_name!;
    expect((await fetch(`${service.url}/api/tasks/${done.id}/files/${name}`)).status).toBe(200);
    const other = await run('image_processing', {
      num_images: 1,
      target_width: 10,
      target_height: 10,
    });
    for (const path of [
      `/api/tasks/${other.id}/files/does-not-exist.jpg`,
      `/api/tasks/${done.id}/files/..%2F..%2Fconveyor.sqlite`,
      `/api/tasks/${done.id}/files/%2Fetc%2Fpasswd`,
      `/api/tasks/${done.id}/files/%2E%2E`,
      `/api/tasks/${done.id}/files/.hidden`,
      `/api/tasks/not-a-uuid/files/${name}`,
      `/api/tasks/${done.id}/files/..%5C..%5Cconveyor.sqlite`,
    ]) {
      expect([path, await rawStatus(service.url, path)]).toEqual([path, 404]);
    }
  });

  it('removes uploads no task used after the retention period, and keeps used ones', async () => {
    const unused = await upload(service.url, Buffer.from('a\n1\n'), 'unused.csv');
    const used = await upload(service.url, Buffer.from('a\n1\n'), 'used.csv');
    await run('csv_processing', { file_id: used.body.file_id });
    // The sweep deletes the row, then the file: both are waited for, or a busy machine can show
    // the 404 while the file is still on disk.
    await waitFor(
      'the unused upload to expire, its row and its file',
      async () =>
        (await api.request('GET', `/api/files/${unused.body.file_id as string}`)).status === 404 &&
        !uploadsOnDisk().includes(unused.body.file_id as string),
    );
    expect((await api.request('GET', `/api/files/${used.body.file_id as string}`)).status).toBe(
      200,
    );
    expect(uploadsOnDisk()).toContain(used.body.file_id);
  });
});
