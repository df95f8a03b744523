import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { Task, TaskEvent, TaskQuery } from '../api/types';
import { applyEvent, reconcile } from '../lib/apply-event';
import { CoalescingRefresher } from '../lib/coalescing-refresher';
import { useTaskEvents } from '../live/use-live-feed';

export interface TaskPageState {
  tasks: Task[];
  total: number;
  /** `total` is a lower bound: more tasks match. */
  totalIsLowerBound: boolean;
  loaded: boolean;
  /** Why the last fetch failed; cleared by the next one that works. */
  error: string | null;
  /** Tasks created since this page was fetched, while not on the first page. */
  newSinceFetch: number;
  /** The query the rows shown answer; it lags the requested one while a fetch is on its way. */
  shown: TaskQuery | null;
}

const queryKey = (query: TaskQuery): string =>
  [
    query.status,
    query.taskType,
    query.priority,
    query.q,
    query.createdAfter,
    query.createdBefore,
    query.limit,
    query.offset,
  ].join('|');

/** A search narrows by more than status and type: a new task may or may not match it. */
const searching = (query: TaskQuery): boolean =>
  Boolean(query.q || query.createdAfter || query.createdBefore);

/**
 * One page of the task list, kept current: progress events patch rows in place, status and
 * creation events re-fetch the page (coalesced), and a resync from the live feed re-fetches it.
 */
export function useTaskPage(query: TaskQuery): TaskPageState & {
  /** Whether the rows shown answer the query asked for (false while filters or page change). */
  current: boolean;
  refresh(): void;
  /** Shows a task the page itself just created or changed, before any event arrives. */
  upsert(task: Task): void;
} {
  const [state, setState] = useState<TaskPageState>({
    tasks: [],
    total: 0,
    totalIsLowerBound: false,
    loaded: false,
    error: null,
    newSinceFetch: 0,
    shown: null,
  });
  const queryRef = useRef(query);
  queryRef.current = query;
  // The latest event per task, so a page fetched before an event does not undo it.
  const latestEvents = useRef(new Map<string, TaskEvent>());

  const refresher = useMemo(
    () =>
      new CoalescingRefresher(async () => {
        const requested = queryRef.current;
        try {
          const page = await api.listTasks(requested);
          if (queryKey(requested) !== queryKey(queryRef.current)) return;
          const tasks = page.tasks.map((task) =>
            reconcile(task, latestEvents.current.get(task.id)),
          );
          setState({
            tasks,
            total: page.total,
            totalIsLowerBound: page.total_is_lower_bound === true,
            loaded: true,
            error: null,
            newSinceFetch: 0,
            shown: requested,
          });
        } catch (error) {
          setState((current) => ({ ...current, loaded: true, error: (error as Error).message }));
        }
      }, 300),
    [],
  );
  useEffect(() => () => refresher.dispose(), [refresher]);

  useEffect(() => {
    refresher.request(true);
  }, [refresher, queryKey(query)]);

  useTaskEvents({
    onEvent: (event) => {
      const remembered = latestEvents.current;
      remembered.set(event.task_id, event);
      if (remembered.size > 2000) remembered.delete(remembered.keys().next().value as string);

      if (event.type === 'created') {
        const { status, taskType, offset, priority } = queryRef.current;
        const matches =
          (!status || status === event.status) && (!taskType || taskType === event.task_type);
        if (!matches) return;
        if (offset === 0) refresher.request();
        // An event does not carry the priority: whether it matches that filter is unknown.
        else if (priority !== undefined && priority !== null) return;
        else setState((current) => ({ ...current, newSinceFetch: current.newSinceFetch + 1 }));
        return;
      }
      setState((current) => {
        if (!current.tasks.some((task) => task.id === event.task_id)) return current;
        return { ...current, tasks: current.tasks.map((task) => applyEvent(task, event)) };
      });
      // A status change brings times and may move the task out of a status filter.
      if (event.type === 'status') refresher.request();
    },
    onResync: () => refresher.request(),
  });

  const upsert = useCallback(
    (task: Task) => {
      const current = queryRef.current;
      setState((page) => {
        if (page.tasks.some((row) => row.id === task.id)) {
          return { ...page, tasks: page.tasks.map((row) => (row.id === task.id ? task : row)) };
        }
        const matches =
          current.offset === 0 &&
          !searching(current) &&
          (!current.status || current.status === task.status) &&
          (!current.taskType || current.taskType === task.task_type) &&
          (current.priority === undefined ||
            current.priority === null ||
            current.priority === task.priority);
        if (!matches) return page;
        return {
          ...page,
          tasks: [task, ...page.tasks].slice(0, current.limit),
          total: page.total + 1,
        };
      });
      refresher.request();
    },
    [refresher],
  );

  const refresh = useCallback(() => refresher.request(true), [refresher]);
  const current = state.shown !== null && queryKey(state.shown) === queryKey(query);
  return { ...state, current, refresh, upsert };
}
