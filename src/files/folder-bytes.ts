import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The bytes of the files under `dir`, sub-folders included; 0 when the folder does not exist
 * (a task that wrote nothing), so that callers need not check first.
 */
export async function folderBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}
