import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startS3Server, TestS3Server } from '../../test/utils/s3-server';
import { LocalDiskStorage } from './local-disk-storage';
import { ObjectStorage, StoredObjectMissingError } from './object-storage';
import { S3Storage } from './s3-storage';

const MiB = 1024 * 1024;

// Round trips to a real server process: generous on a loaded machine.
jest.setTimeout(120_000);

async function text(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** `total` bytes in 1 MiB chunks, deterministic; fails before its end when `failAt` is given. */
function bytes(total: number, failAt?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAt !== undefined && sent >= failAt) return this.destroy(new Error('client gone'));
      if (sent >= total) return this.push(null);
      const size = Math.min(MiB, total - sent);
      this.push(Buffer.alloc(size, sent / MiB));
      sent += size;
    },
  });
}

async function sha(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

interface Backend {
  name: string;
  open(): Promise<ObjectStorage>;
  close(): Promise<void>;
}

let s3: TestS3Server | undefined;
let root: string | undefined;

const backends: Backend[] = [
  {
    name: 'the local disk',
    open: async () => new LocalDiskStorage((root = await mkdtemp(join(tmpdir(), 'storage-')))),
    close: async () => {
      if (root) await rm(root, { recursive: true, force: true });
    },
  },
  {
    name: 'an S3-compatible server',
    open: async () => {
      s3 = await startS3Server();
      return new S3Storage({
        kind: 's3',
        bucket: s3.bucket,
        prefix: 'unit/run',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        forcePathStyle: true,
        maxObjectBytes: 1024 ** 3,
      });
    },
    close: async () => s3?.stop(),
  },
];

describe.each(backends)('ObjectStorage on $name', (backend) => {
  let storage: ObjectStorage;

  beforeAll(async () => {
    storage = await backend.open();
  }, 30_000);

  afterAll(async () => {
    await storage?.close();
    await backend.close();
  });

  it('answers a ping', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('stores a stream and reads it back, replacing what was there', async () => {
    await storage.put('uploads/a', Readable.from([Buffer.from('first')]));
    await storage.put('uploads/a', Readable.from([Buffer.from('second '), Buffer.from('one')]));
    const object = await storage.open('uploads/a');
    expect(object.size).toBe(10);
    expect(await text(object.body)).toBe('second one');
  });

  it('streams a file of several multipart parts both ways', async () => {
    const size = 20 * MiB + 123;
    await storage.put('uploads/big', bytes(size));
    const object = await storage.open('uploads/big');
    expect(object.size).toBe(size);
    expect(await sha(object.body)).toBe(await sha(bytes(size)));
  }, 60_000);

  it('leaves nothing of a body that fails part-way, small or past a part', async () => {
    await expect(storage.put('uploads/cut-small', bytes(2 * MiB, MiB))).rejects.toThrow(
      'client gone',
    );
    await expect(storage.put('uploads/cut-big', bytes(30 * MiB, 17 * MiB))).rejects.toThrow(
      'client gone',
    );
    await expect(storage.open('uploads/cut-small')).rejects.toBeInstanceOf(
      StoredObjectMissingError,
    );
    await expect(storage.open('uploads/cut-big')).rejects.toBeInstanceOf(StoredObjectMissingError);
  }, 60_000);

  it('answers a missing key with StoredObjectMissingError, and removing it is no error', async () => {
    const missing = await storage.open('uploads/none').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(StoredObjectMissingError);
    expect((missing as Error).message).toBe('The stored file uploads/none does not exist');
    await expect(storage.remove('uploads/none')).resolves.toBeUndefined();
  });

  it('counts and removes a folder, all levels, and nothing beside it', async () => {
    await storage.put('tasks/t1/outputs/a.webp', Readable.from([Buffer.alloc(1000)]));
    await storage.put('tasks/t1/outputs/a.thumb.webp', Readable.from([Buffer.alloc(200)]));
    await storage.put('tasks/t1/log.json', Readable.from([Buffer.alloc(34)]));
    await storage.put('tasks/t10/outputs/b.webp', Readable.from([Buffer.alloc(5)]));
    expect(await storage.usage('tasks/t1')).toEqual({ files: 3, bytes: 1234 });
    expect(await storage.usage('tasks/t1/outputs')).toEqual({ files: 2, bytes: 1200 });
    expect(await storage.usage('tasks/none')).toEqual({ files: 0, bytes: 0 });
    expect(await storage.removeFolder('tasks/t1')).toEqual({ files: 3, bytes: 1234 });
    expect(await storage.usage('tasks/t1')).toEqual({ files: 0, bytes: 0 });
    expect(await storage.usage('tasks/t10')).toEqual({ files: 1, bytes: 5 });
    expect(await storage.removeFolder('tasks/none')).toEqual({ files: 0, bytes: 0 });
  });

  it('hands a local copy to work that needs a file, and fails for a missing key', async () => {
    await storage.put('uploads/img', Readable.from([Buffer.from('pixels')]));
    let seen = '';
    const answer = await storage.withLocalCopy('uploads/img', async (path) => {
      seen = path;
      return (await readFile(path)).toString();
    });
    expect(answer).toBe('pixels');
    if (storage.kind === 's3') await expect(stat(seen)).rejects.toThrow();
    await expect(storage.withLocalCopy('uploads/gone', async () => 1)).rejects.toBeInstanceOf(
      StoredObjectMissingError,
    );
  });

  it('stores what work writes to a local path, and nothing when the work fails', async () => {
    const answer = await storage.writeLocally('tasks/t2/outputs/out.png', async (path) => {
      expect(path.endsWith('out.png')).toBe(true);
      await writeFile(path, 'resized');
      return 7;
    });
    expect(answer).toBe(7);
    expect(await text((await storage.open('tasks/t2/outputs/out.png')).body)).toBe('resized');
    await expect(
      storage.writeLocally('tasks/t2/outputs/bad.png', async (path) => {
        await writeFile(path, 'half');
        throw new Error('corrupt image');
      }),
    ).rejects.toThrow('corrupt image');
    expect(await storage.usage('tasks/t2/outputs')).toEqual({ files: 1, bytes: 7 });
  });

  it('refuses keys that could leave the store', async () => {
    for (const key of ['', '/etc/passwd', 'uploads/../../x', 'a//b', 'uploads/.', 'a\\b']) {
      await expect(storage.open(key)).rejects.toThrow('Not a storage key');
    }
  });
});

describe('LocalDiskStorage', () => {
  it('keeps the layout DATA_DIR always had and never shows a half-written file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'storage-layout-'));
    try {
      const storage = new LocalDiskStorage(dir);
      await storage.put('uploads/f1', Readable.from([Buffer.from('x')]));
      expect((await readFile(join(dir, 'uploads', 'f1'))).toString()).toBe('x');
      await expect(storage.put('uploads/f2', bytes(2 * MiB, MiB))).rejects.toThrow();
      const { readdir } = await import('node:fs/promises');
      expect(await readdir(join(dir, 'uploads'))).toEqual(['f1']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LocalDiskStorage ping', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'storage-ping-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes a file under the folder to answer, and leaves none behind', async () => {
    await new LocalDiskStorage(dir).ping();
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(dir, 'ready-probe'))).toEqual([]);
  });

  it('fails with the reason when nothing can be written there', async () => {
    await writeFile(join(dir, 'ready-probe'), 'a file where the folder goes');
    await expect(new LocalDiskStorage(dir).ping()).rejects.toThrow(/EEXIST|ENOTDIR/);
  });
});

describe('S3Storage', () => {
  it('answers a ping with an error for a bucket that does not exist', async () => {
    const server = await startS3Server();
    const storage = new S3Storage({
      kind: 's3',
      bucket: 'no-such-bucket',
      prefix: '',
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      forcePathStyle: true,
      maxObjectBytes: MiB,
    });
    try {
      await expect(storage.ping()).rejects.toThrow();
    } finally {
      await storage.close();
      await server.stop();
    }
  }, 30_000);
});
