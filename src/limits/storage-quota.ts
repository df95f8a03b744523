/** What QUOTA_STORAGE_BYTES counts of a project: its uploads and its tasks' output files. */
export interface StorageUse {
  uploads: number;
  outputs: number;
}

const WHAT_COUNTS = 'bytes per project (uploads and task outputs)';

/**
 * The refusal of an upload of `adding` bytes, or null when it fits: the upload may take the
 * project up to the quota, not past it.
 */
export function uploadRefusal(limit: number, use: StorageUse, adding: number): string | null {
  const used = use.uploads + use.outputs;
  if (used + adding <= limit) return null;
  return `Quota reached: QUOTA_STORAGE_BYTES is ${limit} ${WHAT_COUNTS}; ${used} are used (${use.uploads} uploads, ${use.outputs} outputs) and this upload has ${adding}. Delete uploads or wait for unused ones to expire`;
}

/**
 * The refusal of a task that writes files, or null: its size is not known before it runs, so
 * it is refused only once the project is at or over the quota.
 */
export function outputTaskRefusal(limit: number, use: StorageUse): string | null {
  const used = use.uploads + use.outputs;
  if (used < limit) return null;
  return `Quota reached: QUOTA_STORAGE_BYTES is ${limit} ${WHAT_COUNTS}; ${used} are used (${use.uploads} uploads, ${use.outputs} outputs), so no task that writes files can start. Delete uploads to make room`;
}
