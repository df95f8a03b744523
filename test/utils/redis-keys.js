// Plain CommonJS so that both the jest suites (TypeScript, through redis-keys.d.ts) and the
// benchmarks (ES modules) load the same cleanup.
const { default: Redis } = require('ioredis');

/**
 * Deletes every key a service left under its prefix (SCAN, never KEYS, so Redis is not blocked).
 * Suites and benchmarks run many times against one Redis; without this each run leaves its
 * queues, events and counters behind. A Redis that cannot be reached (a suite stopped it, or it
 * was the suite's own) has nothing to clean.
 * @param {string} redisUrl
 * @param {string} prefix
 * @returns {Promise<void>}
 */
async function removeKeysUnder(redisUrl, prefix) {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1000 })) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } catch {
    // Unreachable: nothing of ours is left there to remove.
  } finally {
    redis.disconnect();
  }
}

module.exports = { removeKeysUnder };
