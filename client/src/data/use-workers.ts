import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { WorkerProcess } from '../api/types';
import { describeError } from '../components/notices';

/** Workers beat every few seconds; a poll this often shows a start or a stop about as soon. */
export const WORKERS_POLL_MS = 2000;

export interface WorkersState {
  workers: WorkerProcess[] | null;
  error: string | null;
}

/** GET /api/workers, polled while the view is shown; the next poll waits for the last answer. */
export function useWorkers(pollMs = WORKERS_POLL_MS): WorkersState {
  const [state, setState] = useState<WorkersState>({ workers: null, error: null });
  useEffect(() => {
    let timer: number | undefined;
    let active = true;
    const poll = (): void => {
      api
        .workers()
        .then(
          (answer) => active && setState({ workers: answer.workers, error: null }),
          (failure: unknown) =>
            active && setState((current) => ({ ...current, error: describeError(failure) })),
        )
        .finally(() => {
          if (active) timer = window.setTimeout(poll, pollMs);
        });
    };
    poll();
    return () => {
      active = false;
      window.clearTimeout(timer);
    };
  }, [pollMs]);
  return state;
}
