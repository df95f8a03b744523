import { fnv1a } from './distinct-counter';

/**
 * The filter of first sightings: 32 KiB of bits, cleared every 4,096 sightings so that under 2 %
 * of its bits are set (a set bit lets any value with that hash through). Measured beside a
 * 60 MB heap, young-GC survivors per scavenge: no filter 2.1 MB; a 32,768-sighting window
 * 0.18 MB; 4,096 0.06 MB.
 */
const FILTER_BITS = 1 << 18;
const FILTER_WINDOW = 1 << 12;

/**
 * The most frequent values in bounded memory (Misra-Gries with `capacity` counters): counts are
 * exact while fewer than `capacity` distinct values were seen, lower bounds after.
 *
 * Once the counters have overflowed, a value not held is only noted in a hashed bit filter on
 * its first sighting and counted from its second within the filter's window. Plain
 * Misra-Gries keeps every value seen more than n/capacity times; with the filter, that holds
 * for values that recur within 4,096 sightings, as any value frequent enough to be near the top
 * does. In a column of mostly unique values (ids, e-mails) the filter keeps each fresh string
 * out of the long-lived counters: stored there, V8 kept them as floating garbage while it was
 * marking, and a worker's heap grew by 1-2 MB per young-generation GC.
 */
export class TopValues {
  /** Value → its slot in `values` and `counts`: one hash lookup per repeated value, not two. */
  private readonly slots = new Map<string, number>();
  private readonly values: string[] = [];
  /**
   * Grown by doubling up to `capacity` as distinct values come: a one-row run allocates a few
   * bytes per column, not `capacity` zeroed counters (8 KB a column, per task, was a measurable
   * part of a tiny task's CPU).
   */
  private counts = new Float64Array(0);
  private size = 0;
  private exact = true;
  private seenOnce: Uint32Array | null = null;
  private noted = 0;

  constructor(private readonly capacity = 1000) {}

  /** Counts `value`; true when it was already held (so it was seen before). */
  add(value: string): boolean {
    const slot = this.slots.get(value);
    if (slot !== undefined) {
      this.counts[slot]++;
      return true;
    }
    if (!this.exact && this.firstSighting(value)) return false;
    if (this.size < this.capacity) {
      if (this.size === this.counts.length) this.grow();
      const counts = this.counts;
      this.slots.set(value, this.size);
      this.values[this.size] = value;
      counts[this.size] = 1;
      this.size++;
    } else {
      this.exact = false;
      this.decrementAll(this.counts);
    }
    return false;
  }

  private grow(): void {
    const counts = new Float64Array(Math.min(this.capacity, Math.max(8, this.counts.length * 2)));
    counts.set(this.counts);
    this.counts = counts;
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

  /** Notes `value` in the filter; true when it was not there (a first sighting, or so it seems). */
  private firstSighting(value: string): boolean {
    const filter = (this.seenOnce ??= new Uint32Array(FILTER_BITS / 32));
    const bit = fnv1a(value) & (FILTER_BITS - 1);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((filter[word] & mask) !== 0) return false;
    filter[word] |= mask;
    if (++this.noted === FILTER_WINDOW) {
      filter.fill(0);
      this.noted = 0;
    }
    return true;
  }

  /** Every counter loses one and those at zero are dropped; the survivors move to the front. */
  private decrementAll(counts: Float64Array): void {
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      const value = this.values[i];
      const count = counts[i] - 1;
      if (count > 0) {
        if (kept !== i) {
          this.values[kept] = value;
          this.slots.set(value, kept);
        }
        counts[kept++] = count;
      } else {
        this.slots.delete(value);
      }
    }
    // A dropped value must not stay referenced: old references keep young strings alive.
    for (let i = kept; i < this.size; i++) this.values[i] = '';
    this.size = kept;
  }
}
