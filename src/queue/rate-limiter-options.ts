import type { RateLimiterOptions } from 'bullmq';

/**
 * BullMQ's worker limiter for a rate of task starts per second. The limiter counts in one Redis
 * key per queue, so it is global when every worker of the queue sets the same one. A whole
 * rate allows that many starts per second; any other rate is one start per 1/rate seconds,
 * which keeps 0.5 from being rounded to 1 and 2.5 from bursting 3 starts into a second.
 */
export function rateLimiterOptions(
  ratePerSecond: number | undefined,
): RateLimiterOptions | undefined {
  if (ratePerSecond === undefined || ratePerSecond <= 0) return undefined;
  if (Number.isInteger(ratePerSecond)) return { max: ratePerSecond, duration: 1000 };
  return { max: 1, duration: Math.round(1000 / ratePerSecond) };
}
