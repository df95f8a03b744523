/** What the runner holds while a run may be stopped: see `forcedStop`. */
export interface ForcedStop {
  /**
   * Aborted `graceMs` after the run's signal, with the same reason: work still running then is
   * stopped by force (its thread terminated) and the run is abandoned.
   */
  halt: AbortSignal;
  /** Rejects with the signal's reason when `halt` aborts; never settles otherwise. */
  abandoned: Promise<never>;
  /** Clears the timers; call when the run settled by itself. */
  dispose: () => void;
}

/**
 * The two steps of stopping a run: `signal` is the cooperative one (cancel, timeout, shutdown),
 * and `graceMs` after it aborts, `halt` aborts too and `abandoned` rejects, so that the caller
 * can stop waiting for work that never looks at its signal. Pure apart from its timer.
 */
export function forcedStop(signal: AbortSignal, graceMs: number): ForcedStop {
  const halting = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const abandoned = new Promise<never>((_, rejectWith) => (reject = rejectWith));
  // Raced against the work, and left pending when the work wins: never an unhandled rejection.
  abandoned.catch(() => undefined);
  const onAbort = (): void => {
    timer = setTimeout(() => {
      halting.abort(signal.reason);
      reject(signal.reason);
    }, graceMs);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    halt: halting.signal,
    abandoned,
    dispose: () => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(timer);
    },
  };
}

/**
 * Aborts `controller` with a TaskTimeoutError-like reason made by `reason` after `seconds`;
 * returns the function that clears the timer.
 */
export function abortAfter(
  controller: AbortController,
  seconds: number,
  reason: () => Error,
): () => void {
  const timer = setTimeout(() => controller.abort(reason()), seconds * 1000);
  return () => clearTimeout(timer);
}
