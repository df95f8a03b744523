/** Deletes every key under `${prefix}:` in the Redis at redisUrl (see redis-keys.js). */
export function removeKeysUnder(redisUrl: string, prefix: string): Promise<void>;
