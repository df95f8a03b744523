import { createPacer, sleep } from './task-context';

describe('sleep', () => {
  it('resolves after the delay', async () => {
    jest.useFakeTimers();
    try {
      let done = false;
      const waiting = sleep(1000).then(() => {
        done = true;
      });
      await jest.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await waiting;
      expect(done).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const waiting = sleep(3_600_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('too late');
    await expect(sleep(3_600_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('stops listening to the signal once it has resolved', async () => {
    const controller = new AbortController();
    const add = jest.spyOn(controller.signal, 'addEventListener');
    const remove = jest.spyOn(controller.signal, 'removeEventListener');
    await sleep(1, controller.signal);
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledWith('abort', add.mock.calls[0][1]);
  });
});

describe('createPacer', () => {
  afterEach(() => jest.useRealTimers());

  it('waits until the given fraction of the total time has passed', async () => {
    jest.useFakeTimers();
    const pace = createPacer(1000);
    let half = false;
    const halfway = pace(0.5).then(() => {
      half = true;
    });
    await jest.advanceTimersByTimeAsync(499);
    expect(half).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await halfway;
    expect(half).toBe(true);
  });

  it('never waits past the total, whatever fraction it is given', async () => {
    jest.useFakeTimers();
    const pace = createPacer(1000);
    let done = false;
    const waiting = pace(3).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(1000);
    await waiting;
    expect(done).toBe(true);
  });

  it('does not wait for a fraction whose time has already passed', async () => {
    jest.useFakeTimers();
    const pace = createPacer(1000);
    jest.advanceTimersByTime(800);
    let done = false;
    const waiting = pace(0.5).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    await waiting;
    expect(done).toBe(true);
  });

  it('reports the time elapsed as progress while it waits, at least every 500 ms', async () => {
    jest.useFakeTimers();
    const reports: { at: number; percent: number }[] = [];
    const start = Date.now();
    const pace = createPacer(20_000, undefined, (percent) =>
      reports.push({ at: Date.now() - start, percent }),
    );
    let done = false;
    const waiting = pace(1).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(20_000);
    await waiting;
    expect(done).toBe(true);
    // Rising with the clock, from the start to the end of the run, no gap longer than a tick.
    expect(reports.length).toBeGreaterThanOrEqual(40);
    for (const { at, percent } of reports) expect(percent).toBeCloseTo((at / 20_000) * 100, 5);
    const gaps = reports.slice(1).map((report, i) => report.at - reports[i].at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(500);
    expect(reports[reports.length - 1].percent).toBeGreaterThan(97);
  });

  it('never reports past the fraction it waits for', async () => {
    jest.useFakeTimers();
    const reports: number[] = [];
    const waiting = createPacer(4000, undefined, (percent) => reports.push(percent))(0.25);
    await jest.advanceTimersByTimeAsync(4000);
    await waiting;
    expect(reports.length).toBeGreaterThan(10);
    expect(Math.max(...reports)).toBeLessThan(25);
  });

  it('does nothing when there is no minimum duration', async () => {
    jest.useFakeTimers();
    let done = false;
    const waiting = createPacer(0)(1).then(() => {
      done = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    await waiting;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason while it waits', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const waiting = createPacer(3_600_000, controller.signal)(1);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('lasts at least the total on the wall clock, every time', async () => {
    // Timers may fire a millisecond before Date.now() says the time is up; the pacer must not.
    for (let run = 0; run < 100; run++) {
      const started = Date.now();
      await createPacer(4)(1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4);
    }
  });
});
