import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PROJECT_ROOT } from './start-service';
import { waitFor } from './wait-for';

/** A running S3-compatible server of the suite's own, with a bucket made for it. */
export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The service environment that puts uploads, outputs and the outbox in the bucket. */
  env(prefix: string): Record<string, string>;
  client: S3Client;
  /** The keys under a prefix, all pages. */
  keys(prefix: string): Promise<string[]>;
  read(key: string): Promise<Buffer>;
  /** The emulator's process, whose memory holds every object. */
  child: ChildProcess;
  stop(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'conveyor-test', secretAccessKey: 'conveyor-test-secret' };

/**
 * Starts the emulator (test/utils/s3-server.mjs) as its own process on a free loopback port, so
 * that the objects' memory is never counted as the service's.
 */
export async function startS3Server(): Promise<TestS3Server> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'test', 'utils', 's3-server.mjs')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await waitFor(
    'the S3 server to listen',
    () => {
      if (child.exitCode !== null) throw new Error(`the S3 server exited:\n${output}`);
      return /"port":(\d+)/.exec(output)?.[1];
    },
    { timeoutMs: 30_000, intervalMs: 50 },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const bucket = `conveyor-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    client,
    child,
    env: (prefix) => ({
      STORAGE_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    keys: async (prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    read: async (key) => {
      const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await answer.Body!.transformToByteArray());
    },
    stop: async () => {
      client.destroy();
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
