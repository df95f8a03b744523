import { randomUUID } from 'node:crypto';
import { StoredFile } from '../database/stored-file.entity';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import { FilesService } from './files.service';
import { openStorage } from '../storage/open-storage';

describe('FilesService.claim', () => {
  let database: TestDatabase;
  let files: FilesService;

  beforeAll(async () => {
    database = await openTestDatabase('sqlite');
    files = new FilesService(
      openStorage(database.config.storage),
      database.dataSource.getRepository(StoredFile),
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
