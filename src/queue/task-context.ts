/** What a task's pure logic gets besides its params; it knows nothing of Nest or BullMQ. */
export interface TaskContext {
  taskId: string;
  /** The project the task belongs to; what it writes (e-mail deliveries) belongs there too. */
  project: string;
  /** Aborted when the task is cancelled, times out or the worker shuts down. */
  signal: AbortSignal;
  /**
   * Aborted TIMEOUT_GRACE_MS after `signal` if the run is still going: the runner stops waiting
   * for it then, and work it can kill (a worker thread) must be killed.
   */
  halt?: AbortSignal;
  /**
   * Epoch ms when the run is abandoned in any case: its timeout plus the grace. Native work no
   * signal reaches (a libvips encode) bounds itself by it.
   */
  stopBy?: number;
  /** Reports progress from 0 to 100; cheap to call often (writes are throttled). */
  onProgress: (percent: number) => void;
  /**
   * Adds a line to the task's own log, which its user reads (GET /api/tasks/{id}/logs, the
   * detail view): what the work did worth telling, in plain words. Cheap to call; lines are
   * written in batches.
   */
  log: TaskLogFn;
}

/** How a task's logic reports a line of its log; pure functions take it as a callback. */
export type TaskLogFn = (level: 'info' | 'warn' | 'error', message: string) => void;

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

/** How often a paced wait reports progress: a hundredth of the run, within these bounds. */
export const PACE_TICK_MIN_MS = 50;
export const PACE_TICK_MAX_MS = 500;

/**
 * Paces work so that it lasts at least `totalMs`: call with the fraction done and it waits
 * until that fraction of the time has passed. While it waits it reports the time elapsed as
 * progress (never past the fraction waited for), every hundredth of the run and at least
 * every PACE_TICK_MAX_MS: work that is all read at once, such as a small file, would otherwise
 * show nothing until the wait ends and then jump to the end.
 */
export function createPacer(
  totalMs: number,
  signal?: AbortSignal,
  onProgress?: (percent: number) => void,
): (fraction: number) => Promise<void> {
  const start = Date.now();
  const tick = Math.min(PACE_TICK_MAX_MS, Math.max(PACE_TICK_MIN_MS, totalMs / 100));
  return async (fraction) => {
    if (totalMs <= 0) return;
    const due = start + totalMs * Math.min(1, fraction);
    // A timer may fire a millisecond early by Date.now(): wait again until it is really due.
    for (let wait = due - Date.now(); wait > 0; wait = due - Date.now()) {
      onProgress?.(((Date.now() - start) / totalMs) * 100);
      await sleep(Math.min(wait, tick), signal);
    }
  };
}
