import { WriteGroups } from './write-groups';

/** A write that records each group it was called with, failing for the items `fails` picks. */
function recordingWrite(fails: (items: string[]) => Error | undefined = () => undefined) {
  const groups: string[][] = [];
  const write = (items: string[]): Promise<void> => {
    groups.push(items);
    const error = fails(items);
    return error ? Promise.reject(error) : Promise.resolve();
  };
  return { groups, write };
}

/** The failure every item of a group shares in these tests: a busy database. */
const isBusy = (error: unknown): boolean => (error as { code?: string }).code === 'SQLITE_BUSY';

describe('WriteGroups', () => {
  it('writes the items handed in within one turn of the event loop together', async () => {
    const { groups, write } = recordingWrite();
    const writes = new WriteGroups(write, { maxItems: 100, sharedFailure: isBusy });
    await Promise.all(['a', 'b', 'c'].map((item) => writes.add(item)));
    expect(groups).toEqual([['a', 'b', 'c']]);
  });

  it('writes an item handed in later in a group of its own', async () => {
    const { groups, write } = recordingWrite();
    const writes = new WriteGroups(write, { maxItems: 100, sharedFailure: isBusy });
    await writes.add('a');
    await writes.add('b');
    expect(groups).toEqual([['a'], ['b']]);
  });

  it('starts a new group once one holds maxItems', async () => {
    const { groups, write } = recordingWrite();
    const writes = new WriteGroups(write, { maxItems: 2, sharedFailure: isBusy });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => writes.add(item)));
    expect(groups).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails only the bad item of a group: the others are written again alone', async () => {
    const { groups, write } = recordingWrite((items) =>
      items.includes('bad') ? new Error('CHECK constraint failed') : undefined,
    );
    const writes = new WriteGroups(write, { maxItems: 100, sharedFailure: isBusy });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => writes.add(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(
      new Error('CHECK constraint failed'),
    );
    expect(groups).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('fails the whole group with a shared failure, without a write per item', async () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    const { groups, write } = recordingWrite(() => busy);
    const writes = new WriteGroups(write, { maxItems: 100, sharedFailure: isBusy });
    const results = await Promise.allSettled(['a', 'b'].map((item) => writes.add(item)));
    expect(results).toEqual([
      { status: 'rejected', reason: busy },
      { status: 'rejected', reason: busy },
    ]);
    expect(groups).toEqual([['a', 'b']]);
  });
});
