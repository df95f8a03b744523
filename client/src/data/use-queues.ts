import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { QueueState } from '../api/types';
import { CoalescingRefresher } from '../lib/coalescing-refresher';
import { useTaskEvents } from '../live/use-live-feed';

/** Workers come and go without a task event: the queues are also re-read this often. */
const POLL_INTERVAL_MS = 5_000;

/** Each task type's queue, re-read after status changes (at most once a second) and on a timer. */
export function useQueues(): {
  queues: QueueState[] | null;
  error: string | null;
  /** Shows a queue as an action answered it, before the next read. */
  replace: (queue: QueueState) => void;
} {
  const [queues, setQueues] = useState<QueueState[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresher = useMemo(
    () =>
      new CoalescingRefresher(async () => {
        try {
          setQueues(await api.queues());
          setError(null);
        } catch (failure) {
          setError((failure as Error).message);
        }
      }, 1000),
    [],
  );
  useEffect(() => {
    refresher.request(true);
    const timer = window.setInterval(() => refresher.request(), POLL_INTERVAL_MS);
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
  const replace = useCallback((queue: QueueState) => {
    setQueues((current) =>
      current?.map((shown) => (shown.task_type === queue.task_type ? queue : shown)) ?? null,
    );
  }, []);
  return { queues, error, replace };
}
