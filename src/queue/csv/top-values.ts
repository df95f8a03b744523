/**
 * The most frequent values in bounded memory (Misra-Gries with `capacity` counters): any value
 * seen more than n/capacity times is kept; counts are exact while fewer than `capacity`
 * distinct values were seen, lower bounds after.
 */
export class TopValues {
  /** Value → its slot in `values` and `counts`: one hash lookup per repeated value, not two. */
  private readonly slots = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly counts: Float64Array;
  private size = 0;
  private exact = true;

  constructor(private readonly capacity = 1000) {
    this.counts = new Float64Array(capacity);
  }

  /** Counts `value`; true when it was already held (so it was seen before). */
  add(value: string): boolean {
    const slot = this.slots.get(value);
    if (slot !== undefined) {
      this.counts[slot]++;
      return true;
    }
    if (this.size < this.capacity) {
      this.slots.set(value, this.size);
      this.values[this.size] = value;
      this.counts[this.size] = 1;
      this.size++;
    } else {
      this.exact = false;
      this.decrementAll();
    }
    return false;
  }

  get isExact(): boolean {
    return this.exact;
  }

  top(n: number): { value: string; count: number }[] {
    const entries: { value: string; count: number }[] = [];
    for (let i = 0; i < this.size; i++)
      entries.push({ value: this.values[i], count: this.counts[i] });
    return entries.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, n);
  }

  /** Every counter loses one and those at zero are dropped; the survivors move to the front. */
  private decrementAll(): void {
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const value = this.values[i];
      const count = this.counts[i] - 1;
      if (count > 0) {
        if (kept !== i) {
          this.values[kept] = value;
          this.slots.set(value, kept);
        }
        this.counts[kept++] = count;
      } else {
        this.slots.delete(value);
      }
    }
    // A dropped value must not stay referenced: old references keep young strings alive.
    for (let i = kept; i < this.size; i++) this.values[i] = '';
    this.size = kept;
  }
}
