import { Logger } from '@nestjs/common';
import { waitFor } from '../../test/utils/wait-for';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import {
  FOLLOW_UP_IDLE_MS,
  fullCollector,
  heapBytes,
  IDLE_UTILIZATION,
  IdleHeapPolicy,
  RELEASE_MIN_GROWTH_BYTES,
  YOUNG_GENERATION_KEPT_BYTES,
  youngGenerationBytes,
} from './idle-heap-release';
import { IdleHeapRelease } from './idle-heap-release.service';

const MB = 1024 * 1024;
const idle = (heapMb: number, elapsedMs = 2_000) => ({
  utilization: IDLE_UTILIZATION / 2,
  heapBytes: heapMb * MB,
  elapsedMs,
});
const busy = (heapMb: number) => ({ utilization: 0.5, heapBytes: heapMb * MB, elapsedMs: 2_000 });

/**
 * Garbage the size of a burst's, kept reachable long enough that scavenges promote it, then
 * dropped: what a busy stretch leaves in the old space.
 */
function leaveGarbage(megabytes: number): void {
  let held: string[][] | undefined = [];
  for (let mb = 0; mb < megabytes; mb++) {
    // About 1 MB each: 8,000 strings of ~100 bytes.
    held.push(Array.from({ length: 8_000 }, (_, i) => `${mb}:${i}:`.padEnd(100, 'x')));
  }
  expect(held).toHaveLength(megabytes);
  held = undefined;
}

/** Short-lived objects for a while, as a busy worker makes: the young generation grows. */
function churnYoungGeneration(durationMs: number): void {
  const end = Date.now() + durationMs;
  let batch: { i: number; text: string }[] = [];
  while (Date.now() < end) {
    for (let i = 0; i < 10_000; i++) batch.push({ i, text: `row ${i}` });
    if (batch.length > 200_000) batch = [];
  }
  expect(batch.length).toBeLessThanOrEqual(210_000);
}

/**
 * Whether the heap gave back at least half of what it grew by from `baseline` to `grown`. As a
 * share, not in megabytes: on a busy machine V8 may collect part of the garbage by itself first.
 * Polled for a moment: pages come back as V8's sweeper threads free them, which load delays.
 */
async function expectGivenBack(baseline: number, grown: number): Promise<void> {
  expect(grown - baseline).toBeGreaterThan(16 * MB);
  await waitFor('half the growth given back', () => grown - heapBytes() > (grown - baseline) / 2, {
    timeoutMs: 3_000,
  });
}

describe('IdleHeapPolicy', () => {
  const growth = RELEASE_MIN_GROWTH_BYTES / MB;

  /** A policy past its start-up collection, the heap then at `heapMb`. */
  const collectedAt = (idleMs: number, heapMb: number): IdleHeapPolicy => {
    const policy = new IdleHeapPolicy(idleMs);
    policy.collected(heapMb * MB, 0);
    return policy;
  };

  it('collects what start-up left once the process is first idle', () => {
    const policy = new IdleHeapPolicy(4_000);
    expect(policy.observe(idle(60))).toBe(false);
    expect(policy.observe(idle(60))).toBe(true);
  });

  it('collects once idle for the whole idle time with the heap grown past the threshold', () => {
    const policy = collectedAt(10_000, 40);
    const grown = 40 + growth;
    expect([1, 2, 3, 4].map(() => policy.observe(idle(grown)))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(policy.observe(idle(grown))).toBe(true);
  });

  it('starts the idle time again after a busy look', () => {
    const policy = collectedAt(4_000, 40);
    expect(policy.observe(idle(200))).toBe(false);
    expect(policy.observe(busy(200))).toBe(false);
    expect(policy.observe(idle(200))).toBe(false);
    expect(policy.observe(idle(200))).toBe(true);
  });

  it('leaves a heap that grew less than the threshold to V8', () => {
    const policy = collectedAt(2_000, 40);
    for (let look = 0; look < 10; look++) {
      expect(policy.observe(idle(40 + growth - 1))).toBe(false);
    }
  });

  it('does not collect again for live data the last collection could not free', () => {
    const policy = collectedAt(2_000, 40);
    expect(policy.observe(idle(200))).toBe(true);
    policy.collected(190 * MB, 0);
    for (let look = 0; look < 10; look++) expect(policy.observe(idle(195))).toBe(false);
    expect(policy.observe(idle(190 + growth))).toBe(true);
  });

  it("counts growth from the heap V8's own collections left, not only from its own", () => {
    const policy = collectedAt(2_000, 120);
    // V8 collected by itself while the process was busy: the heap fell to 40 MB.
    expect(policy.observe(busy(40))).toBe(false);
    expect(policy.observe(busy(40 + growth))).toBe(false);
    expect(policy.observe(idle(40 + growth))).toBe(true);
  });

  describe('when a collection kept the young generation at its burst size', () => {
    const kept = YOUNG_GENERATION_KEPT_BYTES;

    /** Idle looks 2 s apart: none collects until FOLLOW_UP_IDLE_MS has passed, then one does. */
    const expectFollowUpAfterIdle = (policy: IdleHeapPolicy): void => {
      for (let look = 1; look < FOLLOW_UP_IDLE_MS / 2_000; look++) {
        expect(policy.observe(idle(80))).toBe(false);
      }
      expect(policy.observe(idle(80))).toBe(true);
    };

    it('collects once more after FOLLOW_UP_IDLE_MS idle, with no growth needed', () => {
      const policy = collectedAt(60_000, 40);
      policy.collected(80 * MB, 4 * kept);
      expectFollowUpAfterIdle(policy);
    });

    it('counts the follow-up idle time again after a busy look', () => {
      const policy = collectedAt(60_000, 40);
      policy.collected(80 * MB, kept);
      expect(policy.observe(idle(80))).toBe(false);
      expect(policy.observe(busy(80))).toBe(false);
      expectFollowUpAfterIdle(policy);
    });

    it('follows up once: a young generation the follow-up kept too stays to V8', () => {
      const policy = collectedAt(60_000, 40);
      policy.collected(80 * MB, kept);
      expectFollowUpAfterIdle(policy);
      policy.collected(80 * MB, kept);
      for (let look = 0; look < 10; look++) expect(policy.observe(idle(80))).toBe(false);
    });

    it('does not follow up a collection that left a small young generation', () => {
      const policy = collectedAt(60_000, 40);
      policy.collected(80 * MB, kept - 1);
      for (let look = 0; look < 10; look++) expect(policy.observe(idle(80))).toBe(false);
    });
  });
});

describe('fullCollector', () => {
  it('gives back the old space that dropped garbage holds', async () => {
    const collect = fullCollector();
    collect();
    const baseline = heapBytes();
    leaveGarbage(96);
    const grown = heapBytes();
    collect();
    await expectGivenBack(baseline, grown);
  });
});

describe('IdleHeapRelease', () => {
  class QuickRelease extends IdleHeapRelease {
    protected override readonly checkIntervalMs = 100;
  }
  const releaseAfter = (idleMs: string): QuickRelease =>
    new QuickRelease(new AppConfig(validateEnv({ HEAP_RELEASE_IDLE_MS: idleMs })));
  let release: IdleHeapRelease | undefined;

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => {
    release?.onApplicationShutdown();
    release = undefined;
    jest.restoreAllMocks();
  });

  it('collects the garbage of a busy stretch once the process is idle', async () => {
    fullCollector()();
    const baseline = heapBytes();
    release = releaseAfter('300');
    release.onApplicationBootstrap();
    leaveGarbage(96);
    const grown = heapBytes();
    const quick = release;
    await waitFor('an idle collection', () => quick.releases > 0, { timeoutMs: 10_000 });
    await expectGivenBack(baseline, grown);
    // Idle on, with nothing new to give back: no second collection in ten more looks.
    const [releases, looks] = [quick.releases, quick.looks];
    await waitFor('ten more looks', () => quick.looks >= looks + 10, { timeoutMs: 10_000 });
    expect(quick.releases).toBe(releases);
  });

  it('gives back a young generation the first collection kept, by a second once idle', async () => {
    // Looks 500 ms apart: a few ms of the test's own polling must not count as busy.
    class SteadyRelease extends IdleHeapRelease {
      protected override readonly checkIntervalMs = 500;
    }
    release = new SteadyRelease(new AppConfig(validateEnv({ HEAP_RELEASE_IDLE_MS: '1000' })));
    release.onApplicationBootstrap();
    churnYoungGeneration(1_000);
    expect(youngGenerationBytes()).toBeGreaterThanOrEqual(YOUNG_GENERATION_KEPT_BYTES);
    const quick = release;
    await waitFor('an idle collection', () => quick.releases > 0, { timeoutMs: 10_000 });
    // V8 keeps it after a collection that follows a burst closely, as it did in a worker.
    expect(youngGenerationBytes()).toBeGreaterThanOrEqual(YOUNG_GENERATION_KEPT_BYTES);
    await waitFor('the follow-up', () => quick.releases > 1, {
      timeoutMs: FOLLOW_UP_IDLE_MS + 15_000,
      intervalMs: 250,
    });
    expect(youngGenerationBytes()).toBeLessThan(YOUNG_GENERATION_KEPT_BYTES);
    const looks = quick.looks;
    await waitFor('ten more looks', () => quick.looks >= looks + 10, {
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    expect(quick.releases).toBe(2);
  }, 60_000);

  it('does not look at all with HEAP_RELEASE_IDLE_MS=0', () => {
    const timers = jest.spyOn(global, 'setInterval');
    release = releaseAfter('0');
    release.onApplicationBootstrap();
    expect(timers).not.toHaveBeenCalled();
    expect(release.looks).toBe(0);
  });
});
