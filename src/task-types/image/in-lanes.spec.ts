import { inLanes } from './in-lanes';

/** Work whose calls stay pending until the test ends them. */
function heldWork() {
  const running = new Map<number, { finish: () => void; fail: (error: Error) => void }>();
  const started: number[] = [];
  let mostAtOnce = 0;
  const work = (index: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(index);
      running.set(index, {
        finish: () => {
          running.delete(index);
          resolve();
        },
        fail: (error) => {
          running.delete(index);
          reject(error);
        },
      });
      mostAtOnce = Math.max(mostAtOnce, running.size);
    });
  return { work, running, started, mostAtOnce: () => mostAtOnce };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('inLanes', () => {
  it('runs every index once, at most `lanes` at once, starting them in order', async () => {
    const held = heldWork();
    const done = inLanes(5, 2, held.work);
    await flush();
    expect(held.started).toEqual([0, 1]);
    held.running.get(1)?.finish();
    await flush();
    expect(held.started).toEqual([0, 1, 2]);
    while (held.running.size > 0) {
      [...held.running.values()][0].finish();
      await flush();
    }
    await done;
    expect(held.started).toEqual([0, 1, 2, 3, 4]);
    expect(held.mostAtOnce()).toBe(2);
  });

  it('starts nothing more after a failure, waits for the running ones, then throws', async () => {
    const held = heldWork();
    let settled = false;
    const done = inLanes(6, 2, held.work).finally(() => {
      settled = true;
    });
    await flush();
    held.running.get(0)?.fail(new Error('cancelled'));
    await flush();
    expect(held.started).toEqual([0, 1]);
    expect(settled).toBe(false);
    held.running.get(1)?.finish();
    await expect(done).rejects.toThrow('cancelled');
    expect(held.started).toEqual([0, 1]);
  });

  it('does nothing for no items, and refuses a lane count that is not a positive integer', async () => {
    const work = jest.fn(async () => {});
    await inLanes(0, 2, work);
    expect(work).not.toHaveBeenCalled();
    await expect(inLanes(3, 0, work)).rejects.toThrow(RangeError);
  });
});
