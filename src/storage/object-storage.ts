import type { Readable } from 'node:stream';

/** Files and bytes under a folder of the store. */
export interface StorageUsage {
  files: number;
  bytes: number;
}

export interface StoredObject {
  size: number;
  body: Readable;
}

/** A key the store has no object under (an upload removed behind Conveyor's back, say). */
export class StoredObjectMissingError extends Error {
  constructor(readonly key: string) {
    super(`The stored file ${key} does not exist`);
  }
}

/**
 * The one place uploads, task outputs and the e-mail outbox are kept: the local disk under
 * DATA_DIR, or an S3-compatible bucket. Keys are relative paths with `/` between folders
 * (`uploads/<id>`, `tasks/<id>/outputs/<name>`); a folder is a key prefix without the last `/`.
 * Bodies stream both ways: no method holds a whole file in memory.
 *
 * An abstract class rather than an interface, so that it is its own injection token.
 */
export abstract class ObjectStorage {
  /** 'local' or 's3', for logs and the health report. */
  abstract readonly kind: string;

  /**
   * Writes `body` under `key`, replacing any object there; the object appears whole or not at
   * all. When `body` fails or `signal` aborts, nothing is left and the promise rejects.
   */
  abstract put(key: string, body: Readable, signal?: AbortSignal): Promise<void>;

  /** Opens an object for reading; StoredObjectMissingError when there is none. */
  abstract open(key: string): Promise<StoredObject>;

  /** Removes an object; none there is not an error. */
  abstract remove(key: string): Promise<void>;

  /** The objects under a folder (all levels) and their bytes; nothing there is zero. */
  abstract usage(folder: string): Promise<StorageUsage>;

  /** Removes everything under a folder; answers what was removed. */
  abstract removeFolder(folder: string): Promise<StorageUsage>;

  /**
   * Hands `work` a path on the local disk holding the object (libraries such as sharp read
   * files): the file itself on the disk store, a temporary copy otherwise, removed afterwards.
   */
  abstract withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T>;

  /**
   * Hands `work` a local path to write the object to; once it resolves, the file is stored under
   * `key` (on the disk store it is written in place). A failed `work` stores nothing new.
   */
  abstract writeLocally<T>(key: string, work: (path: string) => Promise<T>): Promise<T>;

  /** Throws when the store cannot be reached or used (for readiness checks). */
  abstract ping(): Promise<void>;

  /** Releases connections (at shutdown). */
  abstract close(): Promise<void>;
}

/** A key or folder is relative, with no empty, `.` or `..` segment: it cannot leave the store. */
export function assertSafeKey(key: string): void {
  const segments = key.split('/');
  if (
    key.length === 0 ||
    segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\'))
  )
    throw new Error(`Not a storage key: ${JSON.stringify(key)}`);
}
