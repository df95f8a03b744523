import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  ObjectStorage,
  StorageUsage,
  StoredObject,
  StoredObjectMissingError,
} from './object-storage';
import { folderUsage } from './storage-usage';

/**
 * The store as files under one folder (DATA_DIR): a key is a relative path, so the layout on
 * disk is the one Conveyor has always had (uploads/, tasks/<id>/outputs/, outbox/<id>/).
 */
export class LocalDiskStorage extends ObjectStorage {
  readonly kind = 'local';

  constructor(private readonly root: string) {
    super();
  }

  /** The file a key names. */
  pathOf(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  /** Written beside its final name, then renamed: readers never see half a file. */
  async put(key: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const partial = `${path}.${randomBytes(6).toString('hex')}.part`;
    try {
      await pipeline(body, createWriteStream(partial), { signal });
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async open(key: string): Promise<StoredObject> {
    const path = this.pathOf(key);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) throw new StoredObjectMissingError(key);
    return { size: info.size, body: createReadStream(path, { highWaterMark: 256 * 1024 }) };
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  usage(folder: string): Promise<StorageUsage> {
    return folderUsage(this.pathOf(folder));
  }

  async removeFolder(folder: string): Promise<StorageUsage> {
    const dir = this.pathOf(folder);
    const usage = await folderUsage(dir);
    await rm(dir, { recursive: true, force: true });
    return usage;
  }

  async withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const path = this.pathOf(key);
    if (!(await stat(path).catch(() => null))?.isFile()) throw new StoredObjectMissingError(key);
    return work(path);
  }

  async writeLocally<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    try {
      return await work(path);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
  }

  /** Ready when a small file can be written under the folder and removed: a read-only or full disk is not. */
  async ping(): Promise<void> {
    const dir = join(this.root, 'ready-probe');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}`);
    await writeFile(file, 'ok');
    await rm(file, { force: true });
  }

  async close(): Promise<void> {}
}
