import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderBytes } from './folder-bytes';

describe('folderBytes', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'folder-bytes-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('is 0 for a folder that does not exist', async () => {
    expect(await folderBytes(join(root, 'missing'))).toBe(0);
  });

  it('is 0 for an empty folder', async () => {
    expect(await folderBytes(root)).toBe(0);
  });

  it('adds the sizes of the files, those in sub-folders too', async () => {
    await writeFile(join(root, 'a.webp'), Buffer.alloc(1000));
    await mkdir(join(root, 'thumbs'));
    await writeFile(join(root, 'thumbs', 'b.webp'), Buffer.alloc(234));
    expect(await folderBytes(root)).toBe(1234);
  });

  it('throws when the path is a file rather than a folder', async () => {
    await writeFile(join(root, 'file'), 'x');
    await expect(folderBytes(join(root, 'file'))).rejects.toThrow();
  });
});
