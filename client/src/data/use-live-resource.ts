import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Dispatch, StateUpdater } from 'preact/hooks';
import { CoalescingRefresher } from '../lib/coalescing-refresher';
import { useTaskEvents } from '../live/use-live-feed';

export interface LiveResource<T> {
  value: T | null;
  error: string | null;
  /** Shows a value an action answered with, before the next read. */
  setValue: Dispatch<StateUpdater<T | null>>;
}

/**
 * A resource read from the API, re-read after each task status change (at most once a second),
 * after the live feed resynchronises, and every `pollMs` for what changes without a task event.
 * `load` must be stable (a module-level function).
 */
export function useLiveResource<T>(load: () => Promise<T>, pollMs: number): LiveResource<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresher = useMemo(
    () =>
      new CoalescingRefresher(async () => {
        try {
          setValue(await load());
          setError(null);
        } catch (failure) {
          setError((failure as Error).message);
        }
      }, 1000),
    [load],
  );
  useEffect(() => {
    refresher.request(true);
    const timer = window.setInterval(() => refresher.request(), pollMs);
    return () => {
      window.clearInterval(timer);
      refresher.dispose();
    };
  }, [refresher, pollMs]);
  useTaskEvents({
    onEvent: (event) => {
      if (event.type !== 'progress') refresher.request();
    },
    onResync: () => refresher.request(),
  });
  return { value, error, setValue };
}
