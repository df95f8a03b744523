/** What a task's pure logic gets besides its params; it knows nothing of Nest or BullMQ. */
export interface TaskContext {
  taskId: string;
  /** Aborted when the task is cancelled or the worker shuts down. */
  signal: AbortSignal;
  /** Reports progress from 0 to 100; cheap to call often (writes are throttled). */
  onProgress: (percent: number) => void;
}

/** Resolves after `ms`, or rejects as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Paces work so that it lasts at least `totalMs`: call with the fraction done and it waits
 * until that fraction of the time has passed.
 */
export function createPacer(
  totalMs: number,
  signal?: AbortSignal,
): (fraction: number) => Promise<void> {
  const start = Date.now();
  return async (fraction) => {
    if (totalMs <= 0) return;
    const due = start + totalMs * Math.min(1, fraction);
    // A timer may fire a millisecond early by Date.now(): wait again until it is really due.
    for (let wait = due - Date.now(); wait > 0; wait = due - Date.now()) await sleep(wait, signal);
  };
}
