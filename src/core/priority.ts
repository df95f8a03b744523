/** §9: a task's priority, 0–10; among a type's waiting tasks a larger one starts sooner. */
export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 10;
export const DEFAULT_PRIORITY = 5;

/**
 * The BullMQ job priority of a task priority. BullMQ runs priority 1 first, larger numbers
 * later, and 0 means "none" (such jobs jump ahead of every prioritised one), so no task may get
 * 0: 10 → 1, 5 → 6, 0 → 11. Within one priority BullMQ keeps submission order.
 */
export function jobPriorityOf(priority: number): number {
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`);
  }
  return MAX_PRIORITY + 1 - priority;
}
