/** Where uploads, outputs and the outbox are kept (CONTRACT §12), as plain data. */
export type StorageSettings = LocalDiskSettings | S3Settings;

/** Files under one folder: DATA_DIR when STORAGE_URL is unset. */
export interface LocalDiskSettings {
  kind: 'local';
  root: string;
}

/**
 * An S3-compatible bucket (STORAGE_URL=s3://bucket/prefix and the S3_* variables). Plain data,
 * so that it can cross into a worker thread, which opens its own client from it.
 */
export interface S3Settings {
  kind: 's3';
  bucket: string;
  /** Key prefix without leading or trailing slashes; empty for the bucket's root. */
  prefix: string;
  /** Unset: AWS itself. */
  endpoint?: string;
  region: string;
  /** Unset: the SDK's default credential chain (environment, profile, instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
  /** The largest object written; multipart parts are sized so that it fits in 10,000 parts. */
  maxObjectBytes: number;
}

/** Splits `s3://bucket/some/prefix/` into its bucket and its prefix without outer slashes. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`Not an s3:// URL: ${url}`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
}
