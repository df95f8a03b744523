import type { ThroughputPoint } from '../api/types';

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 60;

/** Sixty one-minute buckets ending with the current minute; the API leaves out empty minutes. */
export function lastHourBuckets(points: ThroughputPoint[], now = Date.now()): ThroughputPoint[] {
  const byMinute = new Map(points.map((point) => [Date.parse(point.minute), point]));
  const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return Array.from({ length: WINDOW_MINUTES }, (_, index) => {
    const start = currentMinute - (WINDOW_MINUTES - 1 - index) * MINUTE_MS;
    const point = byMinute.get(start);
    return {
      minute: new Date(start).toISOString(),
      completed: point?.completed ?? 0,
      failed: point?.failed ?? 0,
    };
  });
}
