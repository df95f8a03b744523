import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EntityManager } from 'typeorm';
import { PendingUpload } from '../files/pending-upload.entity';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { inTransaction } from './in-transaction';

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('inTransaction on %s', (kind) => {
  let database: TestDatabase;
  let manager: EntityManager;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    manager = database.dataSource.manager;
  });

  afterAll(() => database?.drop());

  /** Two rows in one transaction, with turns of the event loop between the statements. */
  const twoRows = (ids: string[], failAfterFirst = false) =>
    inTransaction(manager, async (transaction) => {
      await transaction.insert(PendingUpload, { id: ids[0], since: new Date() });
      await nextTurn();
      if (failAfterFirst) throw new Error('refused halfway');
      await transaction.insert(PendingUpload, { id: ids[1], since: new Date() });
    });

  const stored = async (ids: string[]) =>
    (
      await manager.findBy(
        PendingUpload,
        ids.map((id) => ({ id })),
      )
    ).length;

  it('runs transactions begun at once, each whole, and rolls back only the failed one', async () => {
    const writes = Array.from({ length: 6 }, () => [randomUUID(), randomUUID()]);
    const results = await Promise.allSettled(writes.map((ids, index) => twoRows(ids, index === 2)));
    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    for (const [index, ids] of writes.entries()) {
      expect(await stored(ids)).toBe(index === 2 ? 0 : 2);
    }
  });

  it('keeps other statements out of an open transaction: they neither see nor share its fate', async () => {
    const [inside, outside] = [randomUUID(), randomUUID()];
    let firstWritten!: () => void;
    const written = new Promise<void>((resolve) => (firstWritten = resolve));
    const failing = inTransaction(manager, async (transaction) => {
      await transaction.insert(PendingUpload, { id: inside, since: new Date() });
      firstWritten();
      for (let turn = 0; turn < 5; turn += 1) await nextTurn();
      throw new Error('refused after the first row');
    });
    await written;
    const [seenInside] = await Promise.all([
      stored([inside]),
      manager.insert(PendingUpload, { id: outside, since: new Date() }),
    ]);
    await expect(failing).rejects.toThrow('refused after the first row');
    expect(seenInside).toBe(0);
    expect(await stored([inside])).toBe(0);
    expect(await stored([outside])).toBe(1);
  });

  it('nests a transaction begun with a transaction manager inside it', async () => {
    const ids = [randomUUID(), randomUUID()];
    await inTransaction(manager, async (outer) => {
      await outer.insert(PendingUpload, { id: ids[0], since: new Date() });
      await inTransaction(outer, (inner) =>
        inner.insert(PendingUpload, { id: ids[1], since: new Date() }),
      );
    });
    expect(await stored(ids)).toBe(2);
  });
});
