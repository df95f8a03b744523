import { sleep } from '../../queue/task-context';

/** Waits until the caller may start its next action; aborting the signal stops the wait. */
export interface Pacer {
  wait(signal?: AbortSignal): Promise<void>;
}

/**
 * Spaces starts at least `intervalMs` apart, in the order callers arrive, with no burst: the
 * first call goes at once, each next one waits for its own slot. Within one process.
 */
export class IntervalPacer implements Pacer {
  private nextStartAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number) {}

  async wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.intervalMs <= 0) return;
    const now = Date.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.intervalMs;
    if (startAt > now) await sleep(startAt - now, signal);
  }
}

export interface SendLimits {
  /** Messages in flight at once. */
  concurrency: number;
  /** Message starts per second in this process; 0 or less means no limit. */
  ratePerSecond?: number;
  /** Paces the starts instead of ratePerSecond, e.g. across processes (SharedSendPacer). */
  pacer?: Pacer;
}

/**
 * The sending budget of one process, shared by every task it runs: at most `concurrency`
 * messages in flight, started no faster than its pacer allows.
 */
export class SendLimiter {
  readonly concurrency: number;
  private readonly pacer: Pacer;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor({ concurrency, ratePerSecond = 0, pacer }: SendLimits) {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.concurrency = concurrency;
    this.pacer = pacer ?? new IntervalPacer(ratePerSecond > 0 ? 1000 / ratePerSecond : 0);
  }

  /**
   * Waits for a free slot and for the rate limit, then answers the function that frees the
   * slot; call it once the message is sent or failed. Aborting the signal stops the wait.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.takeSlot(signal);
    try {
      await this.pacer.wait(signal);
    } catch (error) {
      this.freeSlot();
      throw error;
    }
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      this.freeSlot();
    };
  }

  private takeSlot(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      // A freed slot passes straight to the first waiter, so inFlight stays as it is.
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason as Error);
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private freeSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}
