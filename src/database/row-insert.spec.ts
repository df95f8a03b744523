import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AuditEntry } from '../audit/audit-entry.entity';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { RowInsert } from './row-insert';

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('RowInsert on %s', (kind) => {
  let database: TestDatabase;
  let entries: Repository<AuditEntry>;
  let insert: RowInsert<AuditEntry>;

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    entries = database.dataSource.getRepository(AuditEntry);
    insert = new RowInsert(entries);
  });

  afterAll(async () => {
    await database?.drop();
  });

  let clock = Date.UTC(2026, 0, 1);
  const entry = (resource: string | null): AuditEntry =>
    entries.create({
      id: randomUUID(),
      at: new Date((clock += 1000)),
      actorKeyId: null,
      actorName: 'tester',
      action: 'task.submit',
      resource,
      project: 'default',
      clientAddress: resource === null ? null : '127.0.0.1',
    });

  const stored = (rows: AuditEntry[]) =>
    entries.find({ where: rows.map(({ id }) => ({ id })), order: { at: 'ASC' } });

  it('writes rows of one, several and one again, each value as the entity holds it', async () => {
    const batches = [[entry('a')], [entry('b'), entry(null), entry('d')], [entry('e')]];
    for (const batch of batches) await insert.run(batch);
    const rows = batches.flat();
    expect(await stored(rows)).toEqual(rows);
  });

  it('writes through the transaction it is given, so a rollback takes the rows back', async () => {
    const rows = [entry('f'), entry('g')];
    await expect(
      database.dataSource.transaction(async (manager) => {
        await insert.run(rows, manager);
        expect(await manager.countBy(AuditEntry, { id: rows[0].id })).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await stored(rows)).toEqual([]);
  });

  it('refuses a duplicate key like any INSERT, writing none of the statement', async () => {
    const first = entry('h');
    await insert.run([first]);
    const again = [entry('i'), { ...first }];
    await expect(insert.run(again)).rejects.toThrow();
    expect(await stored(again)).toEqual([first]);
  });

  it('names the column a row leaves unset, before anything is written', async () => {
    const unset = { ...entry('j'), resource: undefined } as unknown as AuditEntry;
    await expect(insert.run([entry('k'), unset])).rejects.toThrow(
      'AuditEntry.resource is unset in a row to insert',
    );
    expect(await entries.countBy({ actorName: 'tester', resource: 'k' })).toBe(0);
  });

  it('writes as many rows in one statement as it says one may hold', async () => {
    const most = insert.rowsPerStatement(entry('l'));
    // AuditEntry's 8 columns: 4,095 rows and 32,760 parameters, within SQLite's 32,766.
    expect(most).toBe(4095);
    const rows = Array.from({ length: most }, () => entry('l'));
    await insert.run(rows);
    expect(await entries.countBy({ resource: 'l' })).toBe(most);
  });

  it('splits rows past one statement into as few statements as the limit allows', async () => {
    const rows = Array.from({ length: insert.rowsPerStatement(entry('m')) + 1 }, () => entry('m'));
    expect(insert.fitsOneStatement(rows)).toBe(false);
    expect(insert.fitsOneStatement(rows.slice(1))).toBe(true);
    const query = jest.spyOn(database.dataSource.manager, 'query');
    try {
      await insert.runInStatements(rows, database.dataSource.manager);
      expect(query).toHaveBeenCalledTimes(2);
    } finally {
      query.mockRestore();
    }
    expect(await entries.countBy({ resource: 'm' })).toBe(rows.length);
  });

  it('writes rows past one statement all or none', async () => {
    const taken = entry('n');
    await insert.run([taken]);
    const rows = Array.from({ length: insert.rowsPerStatement(taken) }, () => entry('o'));
    // The second statement's one row repeats a key: the first statement's rows go back too.
    await expect(insert.runAllOrNone([...rows, { ...taken }])).rejects.toThrow();
    expect(await entries.countBy({ resource: 'o' })).toBe(0);
    await insert.runAllOrNone(rows);
    expect(await entries.countBy({ resource: 'o' })).toBe(rows.length);
  });

  it('does nothing for no rows', async () => {
    const before = await entries.count();
    await insert.run([]);
    expect(await entries.count()).toBe(before);
  });
});
