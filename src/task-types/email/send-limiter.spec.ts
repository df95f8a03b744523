import { IntervalPacer, SendLimiter } from './send-limiter';

describe('IntervalPacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('lets the first call through at once and spaces the next ones by the interval', async () => {
    const pacer = new IntervalPacer(250);
    const start = Date.now();
    const startedAt: number[] = [];
    const calls = [1, 2, 3].map(() => pacer.wait().then(() => startedAt.push(Date.now() - start)));
    await jest.advanceTimersByTimeAsync(1000);
    await Promise.all(calls);
    expect(startedAt).toEqual([0, 250, 500]);
  });

  it('does not wait when the interval has already passed', async () => {
    const pacer = new IntervalPacer(100);
    await pacer.wait();
    await jest.advanceTimersByTimeAsync(300);
    const before = Date.now();
    await pacer.wait();
    expect(Date.now()).toBe(before);
  });
});

describe('SendLimiter', () => {
  afterEach(() => jest.useRealTimers());

  /** Lets every pending promise callback run. */
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('lets at most `concurrency` holders in at once and hands a freed slot to the next', async () => {
    const limiter = new SendLimiter({ concurrency: 2 });
    const entered: number[] = [];
    const releases: (() => void)[] = [];
    for (const id of [1, 2, 3, 4]) {
      void limiter.acquire().then((release) => {
        entered.push(id);
        releases[id] = release;
      });
    }
    await flush();
    expect(entered).toEqual([1, 2]);
    releases[1]();
    releases[1](); // a second call must not free a second slot
    await flush();
    expect(entered).toEqual([1, 2, 3]);
    releases[2]();
    await flush();
    expect(entered).toEqual([1, 2, 3, 4]);
  });

  it('starts at most ratePerSecond messages a second', async () => {
    jest.useFakeTimers();
    const limiter = new SendLimiter({ concurrency: 10, ratePerSecond: 4 });
    const start = Date.now();
    const startedAt: number[] = [];
    const sends = [1, 2, 3, 4, 5].map(async () => {
      const release = await limiter.acquire();
      startedAt.push(Date.now() - start);
      release();
    });
    await jest.advanceTimersByTimeAsync(2000);
    await Promise.all(sends);
    expect(startedAt).toEqual([0, 250, 500, 750, 1000]);
  });

  it('stops a wait when its signal aborts, without losing the slot it waited for', async () => {
    const limiter = new SendLimiter({ concurrency: 1 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    held();
    const next = await limiter.acquire();
    next();
  });
});
