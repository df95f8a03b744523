import { LocalDiskStorage } from './local-disk-storage';
import { ObjectStorage } from './object-storage';
import { S3Storage } from './s3-storage';
import { StorageSettings } from './storage-settings';

/** The store the settings name; a worker thread makes its own from the same plain settings. */
export function openStorage(settings: StorageSettings): ObjectStorage {
  return settings.kind === 's3' ? new S3Storage(settings) : new LocalDiskStorage(settings.root);
}
