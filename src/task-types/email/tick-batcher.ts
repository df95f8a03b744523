interface Batch<T> {
  items: T[];
  written: Promise<void>;
}

/**
 * Gathers the items added in one turn of the event loop and hands them to `write` together,
 * once that turn's callbacks have run (setImmediate). Each `add` resolves when the write that
 * holds its item has finished, and rejects if that write fails, so a caller that awaits it
 * knows its item is stored, as if it had written it alone; it only waits for the current turn
 * to end. At most `maxBatch` items go to one write; a fuller turn makes several.
 */
export class TickBatcher<T> {
  private open?: Batch<T>;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) {
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
  }

  add(item: T): Promise<void> {
    if (!this.open || this.open.items.length >= this.maxBatch) this.open = this.startBatch();
    this.open.items.push(item);
    return this.open.written;
  }

  private startBatch(): Batch<T> {
    const items: T[] = [];
    const batch: Batch<T> = {
      items,
      written: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Items added from here on, while this batch is written, go to the next one.
        if (this.open === batch) this.open = undefined;
        return this.write(items);
      }),
    };
    return batch;
  }
}
