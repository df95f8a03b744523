import { MAX_RUNNING_PROGRESS, ProgressThrottle } from './progress-throttle';

describe('ProgressThrottle', () => {
  let saved: number[];
  let throttle: ProgressThrottle;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    saved = [];
    throttle = new ProgressThrottle(1000, async (value) => {
      saved.push(value);
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Lets the chained writes run. */
  const writesDone = (): Promise<void> => throttle.settled();

  it('writes nothing in the first interval, then the latest value when it ends', async () => {
    throttle.report(10);
    throttle.report(30);
    jest.advanceTimersByTime(999);
    await writesDone();
    expect(saved).toEqual([]);
    jest.advanceTimersByTime(1);
    await writesDone();
    expect(saved).toEqual([30]);
  });

  it('writes at most once per interval however often it is told', async () => {
    jest.advanceTimersByTime(1000);
    throttle.report(5);
    for (let percent = 6; percent <= 50; percent++) throttle.report(percent);
    await writesDone();
    expect(saved).toEqual([5]);
    jest.advanceTimersByTime(1000);
    await writesDone();
    expect(saved).toEqual([5, 50]);
  });

  it('never goes backwards, and leaves 100 to SUCCESS', async () => {
    jest.advanceTimersByTime(1000);
    throttle.report(60);
    throttle.report(20);
    jest.advanceTimersByTime(1000);
    throttle.report(250);
    await writesDone();
    expect(saved).toEqual([60, MAX_RUNNING_PROGRESS]);
    expect(throttle.last).toBe(MAX_RUNNING_PROGRESS);
  });

  it('rounds to hundredths and skips a write that would not change the value', async () => {
    jest.advanceTimersByTime(1000);
    throttle.report(33.33333);
    jest.advanceTimersByTime(1000);
    throttle.report(33.331);
    await writesDone();
    expect(saved).toEqual([33.33]);
  });

  it('flushes a held-back value at once, and cancel drops it', async () => {
    throttle.report(40);
    await throttle.flush();
    expect(saved).toEqual([40]);
    throttle.report(70);
    throttle.cancel();
    jest.advanceTimersByTime(5000);
    await writesDone();
    expect(saved).toEqual([40]);
    expect(throttle.last).toBe(40);
  });

  it('keeps writing after a write failed', async () => {
    const values: number[] = [];
    const failing = new ProgressThrottle(1000, async (value) => {
      values.push(value);
      if (values.length === 1) throw new Error('database is locked');
    });
    failing.report(10);
    await failing.flush();
    failing.report(20);
    await failing.flush();
    expect(values).toEqual([10, 20]);
  });

  it('writes in order, one after another', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const slow = new ProgressThrottle(0, async (value) => {
      events.push(`start ${value}`);
      if (value === 10) await new Promise<void>((resolve) => (release = resolve));
      events.push(`end ${value}`);
    });
    slow.report(10);
    slow.report(20);
    await Promise.resolve();
    await Promise.resolve();
    expect(events).toEqual(['start 10']);
    release();
    await slow.settled();
    expect(events).toEqual(['start 10', 'end 10', 'start 20', 'end 20']);
  });
});
