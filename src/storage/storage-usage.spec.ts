import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderUsage } from './storage-usage';

describe('folderUsage', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'folder-usage-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is nothing for a folder that does not exist', async () => {
    expect(await folderUsage(join(root, 'missing'))).toEqual({ files: 0, bytes: 0 });
  });

  it('is nothing for an empty folder', async () => {
    expect(await folderUsage(root)).toEqual({ files: 0, bytes: 0 });
  });

  it('counts the files and adds their sizes, those in sub-folders too', async () => {
    await writeFile(join(root, 'a.webp'), Buffer.alloc(1000));
    await mkdir(join(root, 'thumbs'));
    await writeFile(join(root, 'thumbs', 'b.webp'), Buffer.alloc(234));
    expect(await folderUsage(root)).toEqual({ files: 2, bytes: 1234 });
  });

  it('throws when the path is a file rather than a folder', async () => {
    await writeFile(join(root, 'file'), 'x');
    await expect(folderUsage(join(root, 'file'))).rejects.toThrow();
  });
});
