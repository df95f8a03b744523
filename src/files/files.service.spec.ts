import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { StoredFile } from '../database/stored-file.entity';
import { PendingUpload } from './pending-upload.entity';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import { FilesService, PENDING_UPLOAD_ABANDONED_MS } from './files.service';
import { openStorage } from '../storage/open-storage';
import { ObjectStorage } from '../storage/object-storage';
import { uploadKey } from '../storage/storage-keys';
import { EmptyUploadError } from './file-errors';
import { SniffingUploadStorage, StoredUpload } from './upload-storage';

describe('FilesService.claim', () => {
  let database: TestDatabase;
  let files: FilesService;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    files = new FilesService(
      openStorage(database.config.storage),
      database.dataSource.getRepository(StoredFile),
      database.dataSource.getRepository(PendingUpload),
    );
  });

  afterAll(async () => {
    await database?.drop();
  });

  async function stored(kind: StoredFile['kind']): Promise<string> {
    const id = randomUUID();
    await database.dataSource.getRepository(StoredFile).insert({
      id,
      filename: `upload.${kind}`,
      size: 10,
      contentType: kind === 'csv' ? 'text/csv' : 'image/png',
      kind,
      sha256: '0'.repeat(64),
      createdAt: new Date(),
      usedAt: null,
    });
    return id;
  }

  const usedAt = async (id: string): Promise<Date | null> =>
    (await database.dataSource.getRepository(StoredFile).findOneByOrFail({ id })).usedAt;

  it('accepts uploads of the right kind, in any letter case, and marks them used', async () => {
    const csv = await stored('csv');
    const image = await stored('image');
    const problems = await files.claim(
      [
        { loc: ['file_id'], id: csv.toUpperCase(), kind: 'csv' },
        { loc: ['file_ids', 0], id: image, kind: 'image' },
      ],
      'default',
    );
    expect(problems).toEqual([]);
    expect(await usedAt(csv)).toBeInstanceOf(Date);
    expect(await usedAt(image)).toBeInstanceOf(Date);
  });

  it('locates every missing upload and every upload of the wrong kind', async () => {
    const csv = await stored('csv');
    const missing = randomUUID();
    const problems = await files.claim(
      [
        { loc: ['file_ids', 0], id: missing, kind: 'image' },
        { loc: ['file_ids', 1], id: csv, kind: 'image' },
      ],
      'default',
    );
    expect(problems).toEqual([
      {
        loc: ['file_ids', 0],
        msg: `No uploaded file has the id ${missing}; upload it first with POST /api/files`,
        type: 'file_not_found',
      },
      {
        loc: ['file_ids', 1],
        msg: `The file ${csv} is CSV text, not an image`,
        type: 'file_kind',
      },
    ]);
    // Nothing is claimed when the task is refused: retention may still remove the upload.
    expect(await usedAt(csv)).toBeNull();
  });

  it('claims nothing for params that name no upload', async () => {
    expect(await files.claim([], 'default')).toEqual([]);
  });
});

/** Real SQLite and the real disk store; a crash is a step that never comes, or one that fails. */
describe('Uploads a process leaves half done', () => {
  let database: TestDatabase;
  let storage: ObjectStorage;
  let files: FilesService;
  let engine: SniffingUploadStorage;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    storage = openStorage(database.config.storage);
    files = new FilesService(
      storage,
      database.dataSource.getRepository(StoredFile),
      database.dataSource.getRepository(PendingUpload),
    );
    engine = new SniffingUploadStorage(storage, { csv: 1_000_000, image: 1_000_000 }, files);
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** One upload through the store, as the form reader hands it the file of a complete request. */
  const upload = (body: string): Promise<StoredUpload> =>
    engine.store({ originalname: 'data.csv', stream: Readable.from([Buffer.from(body)]) });
  const pendingIds = async (): Promise<string[]> =>
    (await database.dataSource.getRepository(PendingUpload).find()).map((row) => row.id);
  const stored = (id: string): Promise<boolean> =>
    storage.open(uploadKey(id)).then(
      (object) => {
        object.body.destroy();
        return true;
      },
      () => false,
    );

  it('notes an upload as pending from its first byte until it is registered', async () => {
    const file = await upload('a,b\n1,2\n');
    expect(await stored(file.id)).toBe(true);
    expect(await pendingIds()).toContain(file.id);
    await files.register(file, 'data.csv', 'default');
    expect(await pendingIds()).not.toContain(file.id);
  });

  it('removes, once abandoned, an upload whose process died before registering it', async () => {
    const file = await upload('a,b\n1,2\n');
    // Not yet abandoned: an upload may still be on its way to registration.
    expect(await files.removeAbandonedOlderThan(PENDING_UPLOAD_ABANDONED_MS)).toBe(0);
    expect(await stored(file.id)).toBe(true);
    expect(await files.removeAbandonedOlderThan(0)).toBeGreaterThanOrEqual(1);
    expect(await stored(file.id)).toBe(false);
    expect(await pendingIds()).toEqual([]);
  });

  it('leaves nothing of an empty upload', async () => {
    const pendingBefore = await pendingIds();
    const storedBefore = (await storage.usage('uploads')).files;
    await expect(upload('')).rejects.toThrow(EmptyUploadError);
    expect(await pendingIds()).toEqual(pendingBefore);
    expect((await storage.usage('uploads')).files).toBe(storedBefore);
  });

  it('finishes, through the sweep, removing an unused upload whose object outlived its row', async () => {
    const file = await upload('a,b\n1,2\n');
    await files.register(file, 'data.csv', 'default');
    await database.dataSource
      .getRepository(StoredFile)
      .update({ id: file.id }, { createdAt: new Date(Date.now() - 60_000) });
    const remove = jest
      .spyOn(storage, 'remove')
      .mockRejectedValueOnce(new Error('the store went away'));
    await expect(files.removeUnusedOlderThan(1_000)).rejects.toThrow('the store went away');
    remove.mockRestore();
    expect(
      await database.dataSource.getRepository(StoredFile).findOneBy({ id: file.id }),
    ).toBeNull();
    expect(await stored(file.id)).toBe(true);
    expect(await pendingIds()).toEqual([file.id]);

    expect(await files.removeAbandonedOlderThan(0)).toBe(1);
    expect(await stored(file.id)).toBe(false);
    expect(await pendingIds()).toEqual([]);
  });
});
