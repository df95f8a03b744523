import { LocalDiskStorage } from './local-disk-storage';
import { ObjectStorage } from './object-storage';
import type { S3Storage } from './s3-storage';
import { StorageSettings } from './storage-settings';

/** The store the settings name; a worker thread makes its own from the same plain settings. */
export function openStorage(settings: StorageSettings): ObjectStorage {
  if (settings.kind === 'local') return new LocalDiskStorage(settings.root);
  // Required here: the AWS SDK adds start-up time and resident memory that a process on the
  // local disk should not carry.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3Storage: Backend } = require('./s3-storage') as { S3Storage: typeof S3Storage };
  return new Backend(settings);
}
