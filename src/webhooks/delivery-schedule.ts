/** BullMQ's job options for the tries of one delivery. */
export interface DeliverySchedule {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
}

/**
 * Tries and first backoff so that the last of `attempts` tries comes `windowMs` after the first:
 * BullMQ waits delay·2^(n−1) before try n+1, so the waits add up to delay·(2^(attempts−1) − 1).
 */
export function deliverySchedule(attempts: number, windowMs: number): DeliverySchedule {
  const retries = Math.max(0, Math.floor(attempts) - 1);
  const delay = retries === 0 ? 0 : Math.max(1, Math.round(windowMs / (2 ** retries - 1)));
  return { attempts: retries + 1, backoff: { type: 'exponential', delay } };
}

/** The wait before each retry, in ms, as BullMQ computes it for this schedule. */
export function retryDelays(schedule: DeliverySchedule): number[] {
  return Array.from(
    { length: schedule.attempts - 1 },
    (_, index) => schedule.backoff.delay * 2 ** index,
  );
}
