import { objectKey, partSizeFor } from './s3-storage';
import {
  outboxFolder,
  outboxKey,
  outputFolder,
  outputKey,
  outputUrl,
  taskFolder,
  uploadKey,
} from './storage-keys';
import { parseS3Url } from './storage-settings';

const MiB = 1024 * 1024;

describe('storage keys', () => {
  it('are the folders DATA_DIR has always had', () => {
    expect(uploadKey('f1')).toBe('uploads/f1');
    expect(taskFolder('t1')).toBe('tasks/t1');
    expect(outputFolder('t1')).toBe('tasks/t1/outputs');
    expect(outputKey('t1', 'a.webp')).toBe('tasks/t1/outputs/a.webp');
    expect(outboxFolder('t1')).toBe('outbox/t1');
    expect(outboxKey('t1', 'm@x.eml')).toBe('outbox/t1/m@x.eml');
  });

  it('serve outputs at the task files URL, the name encoded', () => {
    expect(outputUrl('t1', 'a b#.png')).toBe('/api/tasks/t1/files/a%20b%23.png');
  });
});

describe('S3 key mapping', () => {
  it('reads the bucket and the prefix from STORAGE_URL, without outer slashes', () => {
    expect(parseS3Url('s3://files')).toEqual({ bucket: 'files', prefix: '' });
    expect(parseS3Url('s3://files/')).toEqual({ bucket: 'files', prefix: '' });
    expect(parseS3Url('s3://files/prod/eu/')).toEqual({ bucket: 'files', prefix: 'prod/eu' });
    expect(() => parseS3Url('https://files')).toThrow('Not an s3:// URL');
  });

  it('puts keys under the prefix, or at the root without one', () => {
    expect(objectKey('prod/eu', 'uploads/f1')).toBe('prod/eu/uploads/f1');
    expect(objectKey('', 'uploads/f1')).toBe('uploads/f1');
    expect(() => objectKey('prod', '../uploads/f1')).toThrow('Not a storage key');
  });

  it('sizes parts so that the largest allowed upload fits in 10,000 of them', () => {
    expect(partSizeFor(1024 ** 3)).toBe(5 * MiB);
    const big = 1024 ** 4;
    expect(partSizeFor(big) * 9_999).toBeGreaterThanOrEqual(big);
    expect(partSizeFor(big) % MiB).toBe(0);
  });
});
