import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/api-error';
import { api } from '../api/api-client';
import type { Task } from '../api/types';
import { applyEvent } from '../lib/apply-event';
import { CoalescingRefresher } from '../lib/coalescing-refresher';
import { useTaskEvents } from '../live/use-live-feed';

export interface TaskState {
  task: Task | null;
  error: string | null;
  notFound: boolean;
}

/** One task for the detail view: fetched, patched by its progress events, re-fetched on status. */
export function useTask(id: string): TaskState & { replace(task: Task): void; refresh(): void } {
  const [state, setState] = useState<TaskState>({ task: null, error: null, notFound: false });
  const idRef = useRef(id);
  idRef.current = id;

  const refresher = useMemo(
    () =>
      new CoalescingRefresher(async () => {
        const requested = idRef.current;
        try {
          const task = await api.getTask(requested);
          if (requested === idRef.current) setState({ task, error: null, notFound: false });
        } catch (error) {
          if (requested !== idRef.current) return;
          const notFound = error instanceof ApiError && error.status === 404;
          setState((current) => ({ ...current, error: (error as Error).message, notFound }));
        }
      }, 250),
    [],
  );
  useEffect(() => () => refresher.dispose(), [refresher]);

  useEffect(() => {
    setState({ task: null, error: null, notFound: false });
    refresher.request(true);
  }, [id, refresher]);

  useTaskEvents({
    onEvent: (event) => {
      if (event.task_id !== idRef.current) return;
      setState((current) =>
        current.task ? { ...current, task: applyEvent(current.task, event) } : current,
      );
      // Times, results and errors come with the row, not with the event.
      if (event.type === 'status') refresher.request();
    },
    onResync: () => refresher.request(),
  });

  const replace = useCallback((task: Task) => setState({ task, error: null, notFound: false }), []);
  const refresh = useCallback(() => refresher.request(true), [refresher]);
  return { ...state, replace, refresh };
}
