import { TickBatcher } from './tick-batcher';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TickBatcher', () => {
  it('writes the items added in one turn together, and resolves each add after that write', async () => {
    const writes: number[][] = [];
    let finishWrite: () => void = () => {};
    const batcher = new TickBatcher<number>(
      (items) =>
        new Promise((resolve) => {
          writes.push([...items]);
          finishWrite = resolve;
        }),
    );
    const settled: number[] = [];
    const adds = [1, 2, 3].map((n) => batcher.add(n).then(() => settled.push(n)));

    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual([[1, 2, 3]]);
    await nextTurn();
    expect(settled).toEqual([]);
    finishWrite();
    await Promise.all(adds);
    expect(settled).toEqual([1, 2, 3]);
  });

  it('starts a new batch for items added once the previous one is being written', async () => {
    const writes: number[][] = [];
    const batcher = new TickBatcher<number>(async (items) => {
      writes.push([...items]);
    });
    const first = batcher.add(1);
    await nextTurn();
    const second = batcher.add(2);
    await Promise.all([first, second]);
    expect(writes).toEqual([[1], [2]]);
  });

  it('rejects every add of a batch whose write failed, and goes on with the next', async () => {
    let calls = 0;
    const batcher = new TickBatcher<string>(async () => {
      calls++;
      if (calls === 1) throw new Error('disk full');
    });
    const failed = [batcher.add('a'), batcher.add('b')].map((add) =>
      add.then(
        () => 'stored',
        (error: Error) => error.message,
      ),
    );
    expect(await Promise.all(failed)).toEqual(['disk full', 'disk full']);
    await expect(batcher.add('c')).resolves.toBeUndefined();
  });

  it('puts at most maxBatch items in one write', async () => {
    const writes: number[][] = [];
    const batcher = new TickBatcher<number>(async (items) => {
      writes.push([...items]);
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)));
    expect(writes).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => new TickBatcher(async () => {}, 0)).toThrow(RangeError);
    expect(() => new TickBatcher(async () => {}, 1.5)).toThrow(RangeError);
  });
});
