import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Event-loop utilization under which a stretch counts as idle: timers and heartbeats only. */
export const IDLE_UTILIZATION = 0.02;
/**
 * Heap growth since the last full collection that a release must win back to be worth its
 * pause (25-45 ms measured for heaps of 115-125 MB on a 2-core host).
 */
export const RELEASE_MIN_GROWTH_BYTES = 32 * 1024 * 1024;
/**
 * A young generation at least this large after a full collection is still at a burst's size
 * (32 MB at most by default; V8 shrinks it to 1-2 MB).
 */
export const YOUNG_GENERATION_KEPT_BYTES = 8 * 1024 * 1024;
/**
 * How long to stay idle before a second collection when the first kept the young generation.
 * In a plain script V8 shrank it at every collection 5-6 s after the previous one and at none
 * 2-4 s after: it shrinks it only when its recent allocation rate reads low.
 */
export const FOLLOW_UP_IDLE_MS = 6_000;

/** One look at the process: its event-loop utilization since the last look, its heap now. */
export interface HeapSample {
  utilization: number;
  heapBytes: number;
  elapsedMs: number;
}

/**
 * Decides when an idle process should collect its heap. Busy stretches leave V8's heap grown
 * with garbage, and V8 gives it back only once its own heuristics start a full collection,
 * which after a burst they may not do for minutes (a worker read 188 MB after 60 s idle, 120 in
 * another run of the same burst). Idle for `idleMs` with the heap grown by
 * RELEASE_MIN_GROWTH_BYTES past the least it held since the last collection (ours, or V8's
 * own, seen as the heap falling): collect once, then wait for the next growth. The first idle
 * stretch after start-up collects what starting left behind. A collection that leaves the young
 * generation at a burst's size is followed by one more once idle for FOLLOW_UP_IDLE_MS: V8
 * kept its 32 MB after about half the first collections in a worker (RSS 147 MB against 120).
 */
export class IdleHeapPolicy {
  private idleForMs = 0;
  /** The least heap seen since the last collection; nothing known yet at start-up. */
  private leastBytes = 0;
  private followUpDue = false;
  private followingUp = false;

  constructor(private readonly idleMs: number) {}

  /** Whether to collect now; the caller reports the heap after it with `collected`. */
  observe(sample: HeapSample): boolean {
    this.idleForMs = sample.utilization < IDLE_UTILIZATION ? this.idleForMs + sample.elapsedMs : 0;
    if (this.followUpDue && this.idleForMs >= FOLLOW_UP_IDLE_MS) {
      this.followUpDue = false;
      this.followingUp = true;
      return true;
    }
    if (
      this.idleForMs >= this.idleMs &&
      sample.heapBytes - this.leastBytes >= RELEASE_MIN_GROWTH_BYTES
    )
      return true;
    this.leastBytes = Math.min(this.leastBytes, sample.heapBytes);
    return false;
  }

  /**
   * The heap and its young generation after a collection: growth is counted from here (or from
   * less, seen later). One follow-up at most: a young generation it kept too stays to V8.
   */
  collected(heapBytes: number, youngGenerationBytes: number): void {
    this.leastBytes = heapBytes;
    this.idleForMs = 0;
    this.followUpDue = !this.followingUp && youngGenerationBytes >= YOUNG_GENERATION_KEPT_BYTES;
    this.followingUp = false;
  }
}

/** The heap V8 holds from the system now (committed, live and garbage). */
export function heapBytes(): number {
  return getHeapStatistics().total_heap_size;
}

/** What V8's young generation holds from the system now (both semi-spaces). */
export function youngGenerationBytes(): number {
  const young = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return young?.space_size ?? 0;
}

/**
 * A full collection. `gc` is not exposed to scripts unless Node starts with --expose-gc; the
 * flag set at run time exposes it in contexts made after, so one such context hands it over.
 */
export function fullCollector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
