import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { TaskStats } from '../api/types';
import { CoalescingRefresher } from '../lib/coalescing-refresher';
import { useTaskEvents } from '../live/use-live-feed';

/** The throughput chart's window slides even when nothing happens. */
const SLIDE_INTERVAL_MS = 30_000;

/** Counts per status and throughput, re-read after status changes (at most once a second). */
export function useStats(): { stats: TaskStats | null; error: string | null } {
  const [stats, setStats] = useState<TaskStats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresher = useMemo(
    () =>
      new CoalescingRefresher(async () => {
        try {
          setStats(await api.stats());
          setError(null);
        } catch (failure) {
          setError((failure as Error).message);
        }
      }, 1000),
    [],
  );
  useEffect(() => {
    refresher.request(true);
    const timer = window.setInterval(() => refresher.request(), SLIDE_INTERVAL_MS);
    return () => {
      window.clearInterval(timer);
      refresher.dispose();
    };
  }, [refresher]);
  useTaskEvents({
    onEvent: (event) => {
      if (event.type !== 'progress') refresher.request();
    },
    onResync: () => refresher.request(),
  });
  return { stats, error };
}
