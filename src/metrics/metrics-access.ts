import { timingSafeEqual, createHash } from 'node:crypto';
import { ALL_PROJECTS } from '../core/project';
import { Principal } from '../auth/principal';

/** Compared as hashes, in constant time, so that neither the length nor a prefix leaks. */
export function isMetricsToken(given: string | undefined, token: string | undefined): boolean {
  if (given === undefined || token === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * Who may read the metrics besides METRICS_TOKEN. They describe the whole fleet (every
 * project's task counts, every worker), so a key bound to one project may not: a key of every
 * project (`*`) of any role may, viewer included, and so may anyone in open mode.
 */
export function mayReadMetrics(caller: Pick<Principal, 'project' | 'via'>): boolean {
  return caller.via === 'open' || caller.project === ALL_PROJECTS;
}
