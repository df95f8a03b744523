import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertSafeKey,
  ObjectStorage,
  StorageUsage,
  StoredObject,
  StoredObjectMissingError,
} from './object-storage';
import { S3Settings } from './storage-settings';

const MiB = 1024 * 1024;
/** S3's most parts per multipart upload. */
const MAX_PARTS = 10_000;
/** Parts buffered at once per upload: memory per upload is about partSize × this. */
const PARTS_IN_FLIGHT = 2;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

/** The object key a store key has in the bucket: under the prefix, if any. */
export function objectKey(prefix: string, key: string): string {
  assertSafeKey(key);
  return prefix === '' ? key : `${prefix}/${key}`;
}

/**
 * Parts of 5 MiB, S3's smallest (memory per upload is a few parts), larger when the biggest
 * allowed object would need more than 10,000 of them; whole MiB.
 */
export function partSizeFor(maxObjectBytes: number): number {
  return Math.max(5 * MiB, Math.ceil(maxObjectBytes / (MAX_PARTS - 1) / MiB) * MiB);
}

/** S3 answers a missing key with NoSuchKey (GetObject) or a bare 404 (HeadObject). */
function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * The store as objects in an S3-compatible bucket. Writes stream through a multipart upload
 * (a few parts buffered at a time), reads stream the GetObject body.
 */
export class S3Storage extends ObjectStorage {
  readonly kind = 's3';
  private readonly client: S3Client;
  private readonly partSize: number;

  constructor(private readonly settings: S3Settings) {
    super();
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.credentials,
      // Checksums only where S3 requires them: many self-hosted S3 servers reject the
      // aws-chunked trailing checksums the SDK otherwise sends with every upload.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.partSize = partSizeFor(settings.maxObjectBytes);
  }

  private objectKey(key: string): string {
    return objectKey(this.settings.prefix, key);
  }

  private folderPrefix(folder: string): string {
    return `${this.objectKey(folder)}/`;
  }

  async put(key: string, body: Readable, signal?: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.settings.bucket, Key: this.objectKey(key), Body: body },
      partSize: this.partSize,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    // A failing body ends the upload's read loop: done() then aborts the multipart upload,
    // waits for that and rejects. An abort rejects at once; the clean-up goes on behind it.
    const abort = (): void => void upload.abort();
    signal?.throwIfAborted();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  async open(key: string): Promise<StoredObject> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
      );
      return { size: answer.ContentLength ?? 0, body: answer.Body as Readable };
    } catch (error) {
      if (isMissing(error)) throw new StoredObjectMissingError(key);
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await this.client.send(
      new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.objectKey(key) }),
    );
  }

  async usage(folder: string): Promise<StorageUsage> {
    const usage = { files: 0, bytes: 0 };
    for await (const page of this.list(folder)) {
      for (const object of page) {
        usage.files += 1;
        usage.bytes += object.Size ?? 0;
      }
    }
    return usage;
  }

  async removeFolder(folder: string): Promise<StorageUsage> {
    const removed = { files: 0, bytes: 0 };
    for await (const page of this.list(folder)) {
      for (let start = 0; start < page.length; start += DELETE_BATCH) {
        const batch = page.slice(start, start + DELETE_BATCH);
        const answer = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.settings.bucket,
            Delete: { Objects: batch.map((object) => ({ Key: object.Key })), Quiet: true },
          }),
        );
        const failed = answer.Errors ?? [];
        if (failed.length > 0)
          throw new Error(
            `${failed.length} object(s) under ${folder} were not removed: ${failed[0].Message ?? failed[0].Code}`,
          );
        removed.files += batch.length;
        removed.bytes += batch.reduce((sum, object) => sum + (object.Size ?? 0), 0);
      }
    }
    return removed;
  }

  async withLocalCopy<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'conveyor-s3-'));
    try {
      const path = join(dir, 'object');
      const object = await this.open(key);
      await pipeline(object.body, createWriteStream(path));
      return await work(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async writeLocally<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'conveyor-s3-'));
    try {
      // The key's last segment keeps its extension: sharp picks the output format by it.
      const path = join(dir, key.split('/').pop() ?? 'object');
      const result = await work(path);
      await this.put(key, createReadStream(path, { highWaterMark: 256 * 1024 }));
      return result;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private async *list(folder: string): AsyncGenerator<{ Key?: string; Size?: number }[]> {
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.settings.bucket, Prefix: this.folderPrefix(folder) },
    );
    for await (const page of pages) yield page.Contents ?? [];
  }
}
