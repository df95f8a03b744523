interface Waiting<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface WriteGroupOptions {
  /** The most items one write takes; more in one turn make several writes. */
  maxItems: number;
  /**
   * Whether a group's failure is every item's (the database or Redis away, already retried by
   * `write`), so that it is not paid for again item by item.
   */
  sharedFailure: (error: unknown) => boolean;
}

/**
 * Items handed in within one turn of the event loop, written together by one call of `write`
 * (a group commit). Under load, requests that reach their write in the same turn share one
 * statement and one commit, or one round trip; alone, an item waits only for the end of the
 * turn. When a group fails for a reason of its own items, each item is written again alone, so
 * that one bad item fails only its own caller.
 */
export class WriteGroups<T> {
  private waiting: Waiting<T>[] = [];

  private readonly maxItems: number;
  private readonly sharedFailure: (error: unknown) => boolean;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    { maxItems, sharedFailure }: WriteGroupOptions,
  ) {
    this.maxItems = maxItems;
    this.sharedFailure = sharedFailure;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxItems) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const group = this.waiting;
    if (group.length === 0) return;
    this.waiting = [];
    try {
      await this.write(group.map((waiting) => waiting.item));
      for (const waiting of group) waiting.resolve();
    } catch (error) {
      if (group.length === 1 || this.sharedFailure(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      await Promise.all(group.map((waiting) => this.writeAlone(waiting)));
    }
  }

  private async writeAlone({ item, resolve, reject }: Waiting<T>): Promise<void> {
    try {
      await this.write([item]);
      resolve();
    } catch (error) {
      reject(error);
    }
  }
}
