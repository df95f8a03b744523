import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/api-client';
import type { TaskTypes } from '../api/types';

const RETRY_MS = 2000;

/** The task types' defaults and choices from the API, asked again until it answers. */
export function useTaskTypes(): { taskTypes: TaskTypes | null; error: string | null } {
  const [taskTypes, setTaskTypes] = useState<TaskTypes | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let timer: number | undefined;
    let stopped = false;
    const load = (): void => {
      api.taskTypes().then(
        (answer) => {
          if (stopped) return;
          setTaskTypes(answer);
          setError(null);
        },
        (failure: unknown) => {
          if (stopped) return;
          setError(failure instanceof Error ? failure.message : String(failure));
          timer = window.setTimeout(load, RETRY_MS);
        },
      );
    };
    load();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, []);
  return { taskTypes, error };
}
