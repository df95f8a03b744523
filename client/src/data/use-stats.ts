import { api } from '../api/api-client';
import type { TaskStats } from '../api/types';
import { useLiveResource } from './use-live-resource';

/** The throughput chart's window slides even when nothing happens. */
const SLIDE_INTERVAL_MS = 30_000;

/** Counts per status and throughput, re-read after status changes (at most once a second). */
export function useStats(): { stats: TaskStats | null; error: string | null } {
  const { value: stats, error } = useLiveResource(api.stats, SLIDE_INTERVAL_MS);
  return { stats, error };
}
