/**
 * The highest progress written while a task runs: 100 is written only with SUCCESS, so a task
 * that fails after its last item (a CSV where nothing parsed) never shows a full bar.
 */
export const MAX_RUNNING_PROGRESS = 99;

/**
 * At most one progress write per interval, monotone, the first one an interval after the
 * start: a task shorter than that writes no progress at all, only its status. A value held
 * back by the interval is written when it ends, so the row never lags long behind the work
 * even when the next report is slow to come. Writes run one after another, in order.
 */
export class ProgressThrottle {
  private reported = 0;
  private written = 0;
  private lastWriteAt: number;
  private trailing?: NodeJS.Timeout;
  private pending: Promise<void> = Promise.resolve();

  /** `save` reports its own failures; a failed write does not stop the next ones. */
  constructor(
    private readonly intervalMs: number,
    private readonly save: (percent: number) => Promise<void>,
  ) {
    this.lastWriteAt = Date.now();
  }

  /** Reports progress from 0 to 100 (written as at most MAX_RUNNING_PROGRESS); cheap to call often. */
  report(percent: number): void {
    this.reported = Math.max(this.reported, Math.min(MAX_RUNNING_PROGRESS, percent));
    const wait = this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) this.write();
    else this.trailing ??= setTimeout(() => this.write(), wait);
  }

  /** Writes a held-back value now, and resolves once every write has ended. */
  async flush(): Promise<void> {
    this.write();
    await this.pending;
  }

  /** Drops a held-back write. */
  cancel(): void {
    clearTimeout(this.trailing);
    this.trailing = undefined;
  }

  /** Resolves once the writes already started have ended. */
  settled(): Promise<void> {
    return this.pending;
  }

  /** The last value written. */
  get last(): number {
    return this.written;
  }

  private write(): void {
    this.cancel();
    const value = Math.round(this.reported * 100) / 100;
    if (value <= this.written) return;
    this.written = value;
    this.lastWriteAt = Date.now();
    this.pending = this.pending.then(() => this.save(value)).catch(() => undefined);
  }
}
