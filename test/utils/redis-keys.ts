import Redis from 'ioredis';

/**
 * Deletes every key a service left under its prefix (SCAN, never KEYS). Suites run many times
 * against one Redis; without this each run leaves its queues, events and counters behind. A Redis
 * that cannot be reached (a suite stopped it, or it was the suite's own) has nothing to clean.
 */
export async function removeKeysUnder(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
    }
  } catch {
    // Unreachable: nothing of ours is left there to remove.
  } finally {
    redis.disconnect();
  }
}
