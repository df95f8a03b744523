/**
 * Runs `load` on request, one run at a time, at most once per `minIntervalMs`: requests made while
 * a run is in flight or waiting fold into one more run. Under a storm of task events the page
 * then asks the API for a list page a few times a second, not once per event.
 */
export class CoalescingRefresher {
  private running = false;
  private queued = false;
  private timer?: ReturnType<typeof setTimeout>;
  private lastStart = 0;

  constructor(
    private readonly load: () => Promise<void>,
    private readonly minIntervalMs: number,
  ) {}

  /** Ask for a run soon; `immediately` skips the spacing (a user asked for it). */
  request(immediately = false): void {
    this.queued = true;
    if (this.running) return;
    const wait = immediately ? 0 : this.lastStart + this.minIntervalMs - Date.now();
    clearTimeout(this.timer);
    if (wait <= 0) void this.run();
    else this.timer = setTimeout(() => void this.run(), wait);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.queued = false;
  }

  private async run(): Promise<void> {
    if (this.running || !this.queued) return;
    this.queued = false;
    this.running = true;
    this.lastStart = Date.now();
    try {
      await this.load();
    } finally {
      this.running = false;
      if (this.queued) this.request();
    }
  }
}
