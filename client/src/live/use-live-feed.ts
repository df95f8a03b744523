import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { TaskEvent, TaskLogsEvent } from '../api/types';
import { LiveFeed, type FeedState } from './live-feed';

export const LiveFeedContext = createContext<LiveFeed | null>(null);

function useFeed(): LiveFeed {
  const feed = useContext(LiveFeedContext);
  if (!feed) throw new Error('LiveFeedContext is missing');
  return feed;
}

/** Calls the latest handlers on every task event and on every resync request. */
export function useTaskEvents(handlers: {
  onEvent?: (event: TaskEvent) => void;
  onLogs?: (event: TaskLogsEvent) => void;
  onResync?: () => void;
}): void {
  const feed = useFeed();
  const latest = useRef(handlers);
  latest.current = handlers;
  useEffect(
    () =>
      feed.subscribe({
        onEvent: (event) => latest.current.onEvent?.(event),
        onLogs: (event) => latest.current.onLogs?.(event),
        onResync: () => latest.current.onResync?.(),
      }),
    [feed],
  );
}

export function useFeedState(): { state: FeedState; pollIntervalMs: number } {
  const feed = useFeed();
  const [state, setState] = useState<FeedState>(feed.currentState);
  useEffect(() => {
    setState(feed.currentState);
    return feed.onStateChange(setState);
  }, [feed]);
  return { state, pollIntervalMs: feed.pollIntervalMs };
}
