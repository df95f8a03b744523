import { lastHourBuckets } from './throughput-buckets';

describe('lastHourBuckets', () => {
  const now = Date.parse('2026-01-01T12:30:45.000Z');

  it('gives sixty minutes ending with the current one, zero where the API left minutes out', () => {
    const buckets = lastHourBuckets(
      [
        { minute: '2026-01-01T12:30:00.000Z', completed: 3, failed: 1 },
        { minute: '2026-01-01T11:31:00.000Z', completed: 2, failed: 0 },
      ],
      now,
    );
    expect(buckets).toHaveLength(60);
    expect(buckets[0]).toEqual({ minute: '2026-01-01T11:31:00.000Z', completed: 2, failed: 0 });
    expect(buckets[59]).toEqual({ minute: '2026-01-01T12:30:00.000Z', completed: 3, failed: 1 });
    expect(buckets[30]).toEqual({ minute: '2026-01-01T12:01:00.000Z', completed: 0, failed: 0 });
  });

  it('drops minutes that slid out of the window', () => {
    const buckets = lastHourBuckets(
      [{ minute: '2026-01-01T11:30:00.000Z', completed: 9, failed: 9 }],
      now,
    );
    expect(buckets.every((bucket) => bucket.completed === 0 && bucket.failed === 0)).toBe(true);
  });
});
