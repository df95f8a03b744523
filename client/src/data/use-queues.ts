import { useCallback } from 'preact/hooks';
import { api } from '../api/api-client';
import type { QueueState } from '../api/types';
import { useLiveResource } from './use-live-resource';

/** Workers come and go without a task event: the queues are also re-read this often. */
const POLL_INTERVAL_MS = 5_000;

/** Each task type's queue, re-read after status changes (at most once a second) and on a timer. */
export function useQueues(): {
  queues: QueueState[] | null;
  error: string | null;
  /** Shows a queue as an action answered it, before the next read. */
  replace: (queue: QueueState) => void;
} {
  const { value: queues, error, setValue } = useLiveResource(api.queues, POLL_INTERVAL_MS);
  const replace = useCallback(
    (queue: QueueState) =>
      setValue(
        (current) =>
          current?.map((shown) => (shown.task_type === queue.task_type ? queue : shown)) ?? null,
      ),
    [setValue],
  );
  return { queues, error, replace };
}
