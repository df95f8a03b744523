import { DataSource, Repository } from 'typeorm';
import { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { AuditEntry } from './audit-entry.entity';
import { AuditService } from './audit.service';
import { ListAuditQuery } from './list-audit.query';

const DAY = 86_400_000;

describe('AuditService (on a real SQLite database in memory)', () => {
  let dataSource: DataSource;
  let entries: Repository<AuditEntry>;
  let audit: AuditService;

  beforeEach(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [AuditEntry],
      synchronize: true,
    });
    await dataSource.initialize();
    entries = dataSource.getRepository(AuditEntry);
    audit = new AuditService(entries, new AppConfig(validateEnv({ AUDIT_RETENTION_DAYS: '30' })));
  });

  afterEach(() => dataSource.destroy());

  const record = (action: string, project: string, name = 'ci') =>
    audit.record({
      actor: { keyId: null, name },
      action,
      resource: 'r',
      project,
      clientAddress: '127.0.0.1',
    });
  const caller = (project: string): Principal => ({
    keyId: null,
    name: 'admin',
    role: 'admin',
    project,
    via: 'key',
  });
  const query = (fields: Partial<ListAuditQuery>): ListAuditQuery =>
    Object.assign(new ListAuditQuery(), fields);

  it('commits the entries of one turn in one INSERT, each caller waiting for its own', async () => {
    const statements = jest.spyOn(entries.manager, 'query');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => record('task.submit', i % 2 ? 'a' : 'b')),
    );
    expect(statements).toHaveBeenCalledTimes(1);
    expect(statements.mock.calls[0][0]).toMatch(/^INSERT INTO/);
    expect(await entries.count()).toBe(50);
  });

  it('lists newest first within the caller project; all projects only for *', async () => {
    await record('task.submit', 'a', 'first');
    await record('task.cancel', 'b');
    await record('key.create', 'a', 'last');
    const mine = await audit.list(query({ project: 'b' }), caller('a'));
    expect(mine.entries.map((entry) => entry.actorName)).toEqual(['last', 'first']);
    expect(mine.total).toBe(2);
    const all = await audit.list(query({}), caller('*'));
    expect(all.total).toBe(3);
    const filtered = await audit.list(query({ project: 'b', action: 'task.cancel' }), {
      project: '*',
    } as never);
    expect(filtered.entries.map((entry) => entry.project)).toEqual(['b']);
  });

  it('lists entries of the same millisecond in the order they were recorded', async () => {
    // Only Date is frozen, and only while the entries are made: the driver's conversion of
    // dates to SQL compares column types with the real Date.
    jest.useFakeTimers({
      now: new Date('2026-01-01T00:00:00Z'),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask', 'setTimeout', 'setInterval'],
    });
    let recorded: Promise<void>[];
    try {
      recorded = ['one', 'two', 'three', 'four', 'five', 'six'].map((name) =>
        record('task.submit', 'a', name),
      );
    } finally {
      jest.useRealTimers();
    }
    await Promise.all(recorded);
    const listed = await audit.list(query({}), caller('a'));
    expect(new Set(listed.entries.map((entry) => entry.at.getTime())).size).toBe(1);
    expect(listed.entries.map((entry) => entry.actorName)).toEqual([
      'six',
      'five',
      'four',
      'three',
      'two',
      'one',
    ]);
  });

  it('deletes only what is older than AUDIT_RETENTION_DAYS', async () => {
    await record('task.submit', 'a');
    const [old] = await entries.find();
    await entries.update({ id: old.id }, { at: new Date(Date.now() - 31 * DAY) });
    await record('task.retry', 'a');
    await expect(audit.removeExpired()).resolves.toBe(1);
    expect((await entries.find()).map((entry) => entry.action)).toEqual(['task.retry']);
  });
});
