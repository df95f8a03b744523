/**
 * The most frequent values in bounded memory (Misra-Gries with `capacity` counters): any value
 * seen more than n/capacity times is kept; counts are exact while fewer than `capacity`
 * distinct values were seen, lower bounds after.
 */
export class TopValues {
  private readonly counts = new Map<string, number>();
  private exact = true;

  constructor(private readonly capacity = 1000) {}

  add(value: string): void {
    const count = this.counts.get(value);
    if (count !== undefined) {
      this.counts.set(value, count + 1);
    } else if (this.counts.size < this.capacity) {
      this.counts.set(value, 1);
    } else {
      this.exact = false;
      for (const [key, current] of this.counts) {
        if (current <= 1) this.counts.delete(key);
        else this.counts.set(key, current - 1);
      }
    }
  }

  get isExact(): boolean {
    return this.exact;
  }

  top(n: number): { value: string; count: number }[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, n)
      .map(([value, count]) => ({ value, count }));
  }
}
