/**
 * How big a fault scenario runs. `npm run test:faults` sets FAULT_SCALE=full and records the
 * figures; `npm test` leaves it unset and runs a smaller version of the same checks, so that each
 * CI run still proves the property without spending minutes on it.
 */
const scale = process.env.FAULT_SCALE ?? 'short';
if (scale !== 'short' && scale !== 'full')
  throw new Error(`FAULT_SCALE must be "short" (the default) or "full", not "${scale}"`);

export const FULL_FAULTS = scale === 'full';

/** The full-size value under `npm run test:faults`, the short one otherwise. */
export function faultScale<T>(full: T, short: T): T {
  return FULL_FAULTS ? full : short;
}
