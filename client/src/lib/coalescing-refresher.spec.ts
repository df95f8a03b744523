import { CoalescingRefresher } from './coalescing-refresher';

describe('CoalescingRefresher', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  /** A load that stays in flight until the test finishes it. */
  function controllableLoad() {
    const finishers: (() => void)[] = [];
    const load = jest.fn(() => new Promise<void>((resolve) => finishers.push(resolve)));
    const finishOne = async (): Promise<void> => {
      finishers.shift()?.();
      await jest.advanceTimersByTimeAsync(0);
    };
    return { load, finishOne };
  }

  it('runs at once when asked immediately', () => {
    const { load } = controllableLoad();
    new CoalescingRefresher(load, 300).request(true);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('folds every request made during a run into one more run', async () => {
    const { load, finishOne } = controllableLoad();
    const refresher = new CoalescingRefresher(load, 300);
    refresher.request(true);
    for (let i = 0; i < 50; i++) refresher.request();
    expect(load).toHaveBeenCalledTimes(1);

    await finishOne();
    await jest.advanceTimersByTimeAsync(300);
    expect(load).toHaveBeenCalledTimes(2);
    await finishOne();
    await jest.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps runs at least minIntervalMs apart', async () => {
    const { load, finishOne } = controllableLoad();
    const refresher = new CoalescingRefresher(load, 300);
    refresher.request(true);
    await finishOne();
    refresher.request();
    await jest.advanceTimersByTimeAsync(299);
    expect(load).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('runs nothing after dispose', async () => {
    const { load, finishOne } = controllableLoad();
    const refresher = new CoalescingRefresher(load, 300);
    refresher.request(true);
    await finishOne();
    refresher.request();
    refresher.dispose();
    await jest.advanceTimersByTimeAsync(1000);
    expect(load).toHaveBeenCalledTimes(1);
  });
});
