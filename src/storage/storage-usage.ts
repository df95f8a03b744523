import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StorageUsage } from './object-storage';

/** The files under `dir` and their bytes, sub-folders included; none when it does not exist. */
export async function folderUsage(dir: string): Promise<StorageUsage> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 };
    throw error;
  }
  const usage = { files: 0, bytes: 0 };
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = await folderUsage(path);
      usage.files += inner.files;
      usage.bytes += inner.bytes;
    } else if (entry.isFile()) {
      usage.files += 1;
      usage.bytes += (await stat(path)).size;
    }
  }
  return usage;
}
