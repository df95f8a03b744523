import { fnv1a } from './distinct-counter';

/** Bits in the filter of first sightings (32 KiB), and how many sightings it notes before it is cleared. */
const FILTER_BITS = 1 << 18;
const FILTER_WINDOW = 1 << 15;

/**
 * The most frequent values in bounded memory (Misra-Gries with `capacity` counters): any value
 * seen more than n/capacity times is kept; counts are exact while fewer than `capacity`
 * distinct values were seen, lower bounds after.
 *
 * Once the counters have overflowed, a value not held is only noted in a hashed bit filter on
 * its first sighting and counted from its second one within the filter's window. In a column of
 * mostly unique values (ids, e-mails) that keeps each fresh string out of the long-lived
 * counters: stored there, V8 kept them as floating garbage while it was marking, and a worker's
 * heap grew by 1-2 MB per young-generation GC (a 1 GB file peaked at over 200 MB RSS).
 */
export class TopValues {
  /** Value → its slot in `values` and `counts`: one hash lookup per repeated value, not two. */
  private readonly slots = new Map<string, number>();
  private readonly values: string[] = [];
  private readonly counts: Float64Array;
  private size = 0;
  private exact = true;
  private seenOnce: Uint32Array | null = null;
  private noted = 0;

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
    if (!this.exact && this.firstSighting(value)) return false;
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

  /** Notes `value` in the filter; true when it was not there (a first sighting, or so it seems). */
  private firstSighting(value: string): boolean {
    const filter = (this.seenOnce ??= new Uint32Array(FILTER_BITS / 32));
    const bit = fnv1a(value) & (FILTER_BITS - 1);
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    if ((filter[word] & mask) !== 0) return false;
    filter[word] |= mask;
    // A window keeps the filter sparse: a set bit lets any value with that hash through.
    if (++this.noted === FILTER_WINDOW) {
      filter.fill(0);
      this.noted = 0;
    }
    return true;
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
