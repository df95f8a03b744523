import { DataSource } from 'typeorm';
import { Task } from './task.entity';
import {
  applyTaskFilter,
  decodeCursor,
  encodeCursor,
  escapeLike,
  idPrefixRange,
  needsRowCount,
  SqlDialect,
  TextSearch,
} from './task-search';
import { SearchTasks1764600000400 } from './migrations/1764600000400-search-tasks';

describe('task cursors', () => {
  const cursor = {
    createdAt: new Date('2026-01-02T03:04:05.678Z'),
    id: '0b9c4a70-5e1f-4c1e-9d7a-3f2b1c0d9e8f',
  };

  it('come back as they went out', () => {
    const text = encodeCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toStrictEqual(cursor);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c=='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
    [
      'a bad time',
      Buffer.from('["yesterday","0b9c4a70-5e1f-4c1e-9d7a-3f2b1c0d9e8f"]').toString('base64url'),
    ],
    [
      'a time not in its own form',
      Buffer.from('["2026-01-02","0b9c4a70-5e1f-4c1e-9d7a-3f2b1c0d9e8f"]').toString('base64url'),
    ],
    ['a bad id', Buffer.from('["2026-01-02T03:04:05.678Z","x"]').toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('refuse %s', (_, text) => {
    expect(decodeCursor(text)).toBeNull();
  });
});

describe('task search filters', () => {
  it('read an id prefix as a range of the key, in lower case', () => {
    expect(idPrefixRange('0B9c')).toStrictEqual(['0b9c', '0b9d']);
    expect(idPrefixRange('0b9f')).toStrictEqual(['0b9f', '0b9g']);
    expect(idPrefixRange('0b9c4a70-')).toStrictEqual(['0b9c4a70-', '0b9c4a70.']);
    expect(idPrefixRange('timeout')).toBeNull();
    expect(idPrefixRange('a'.repeat(37))).toBeNull();
  });

  it('take LIKE wildcards literally', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('count from the counters unless a search field is set', () => {
    expect(needsRowCount({ status: 'FAILED', taskType: 'csv_processing' })).toBe(false);
    expect(needsRowCount({ q: 'x' })).toBe(true);
    expect(needsRowCount({ createdAfter: new Date() })).toBe(true);
    expect(needsRowCount({ retryOf: 'x' })).toBe(true);
  });

  describe('in SQL', () => {
    let source: DataSource;
    beforeAll(async () => {
      source = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [Task] });
      await source.initialize();
      await source.synchronize();
    });
    afterAll(() => source.destroy());

    const build = (
      filter: Parameters<typeof applyTaskFilter>[2],
      project?: string,
      dialect: SqlDialect = 'sqlite',
      text?: TextSearch,
    ) =>
      applyTaskFilter(
        source.getRepository(Task).createQueryBuilder('task'),
        project,
        filter,
        dialect,
        text,
      );

    it('apply one clause per field set, and the project', () => {
      const [quoted, params] = build(
        {
          status: 'FAILED',
          taskType: 'csv_processing',
          createdAfter: new Date('2026-01-01T00:00:00Z'),
          createdBefore: new Date('2026-02-01T00:00:00Z'),
        },
        'alpha',
      ).getQueryAndParameters();
      const sql = quoted.replace(/"/g, '');
      expect(sql).toContain('task.project = ?');
      expect(sql).toContain('task.status = ?');
      expect(sql).toContain('task.task_type = ?');
      expect(sql).toContain('task.created_at >= ?');
      expect(sql).toContain('task.created_at < ?');
      expect(params.slice(0, 3)).toStrictEqual(['alpha', 'FAILED', 'csv_processing']);
    });

    it('leave out what is not set', () => {
      const [sql] = build({}).getQueryAndParameters();
      expect(sql).not.toContain('WHERE');
    });

    it('find q in an id prefix, an error or the input, and nothing else', async () => {
      const repo = source.getRepository(Task);
      const base = {
        taskType: 'csv_processing' as const,
        status: 'FAILED' as const,
        createdAt: new Date(),
        startedAt: null,
        completedAt: null,
        heartbeatAt: null,
        progress: 0,
        outputBytes: null,
        resultData: null,
        attempts: 0,
        retryOf: null,
        project: 'alpha',
      };
      await repo.insert([
        {
          ...base,
          id: 'abcd0000-0000-4000-8000-000000000001',
          inputParams: {},
          errorMessage: null,
        },
        {
          ...base,
          id: '00000000-0000-4000-8000-000000000002',
          inputParams: {},
          errorMessage: 'Disk ABCD full',
        },
        {
          ...base,
          id: '00000000-0000-4000-8000-000000000003',
          inputParams: { subject: 'abcd' },
          errorMessage: null,
        },
        {
          ...base,
          id: '00000000-0000-4000-8000-000000000004',
          inputParams: { subject: 'x' },
          errorMessage: 'other',
        },
        {
          ...base,
          id: '00000000-0000-4000-8000-000000000005',
          inputParams: {},
          errorMessage: '100% a_b',
        },
      ]);
      const found = async (q: string) =>
        (await build({ q }, 'alpha').orderBy('task.id').getMany()).map((task) => task.id.slice(-1));
      expect(await found('ABCD')).toStrictEqual(['2', '3', '1']);
      expect(await found('%')).toStrictEqual(['5']);
      expect(await found('a_b')).toStrictEqual(['5']);
      expect(await found('nothing')).toStrictEqual([]);
      expect(await build({ q: 'abcd' }, 'beta').getCount()).toBe(0);
    });

    it('find the same through the FTS5 index, kept current by its triggers', async () => {
      const runner = source.createQueryRunner();
      await new SearchTasks1764600000400().up(runner);
      await runner.release();
      const found = async (q: string) =>
        (await build({ q }, 'alpha', 'sqlite-fts5').orderBy('task.id').getMany()).map((task) =>
          task.id.slice(-1),
        );
      const [sql] = build({ q: 'abcd' }, 'alpha', 'sqlite-fts5').getQueryAndParameters();
      expect(sql).toContain('tasks_fts MATCH');
      expect(await found('ABCD')).toStrictEqual(['2', '3', '1']);
      expect(await found('a_b')).toStrictEqual(['5']);
      expect(await found('%')).toStrictEqual(['5']);
      expect(await found('"x"')).toStrictEqual(['4']);
      await source
        .getRepository(Task)
        .update({ id: '00000000-0000-4000-8000-000000000004' }, { errorMessage: 'now abcd' });
      await source.getRepository(Task).delete({ id: '00000000-0000-4000-8000-000000000003' });
      expect(await found('abcd')).toStrictEqual(['2', '4', '1']);
      expect(await found('other')).toStrictEqual([]);
    });

    it('find the same by a scan, and among the rowids FTS5 gave', async () => {
      const found = async (q: string, text: TextSearch) =>
        (await build({ q }, 'alpha', 'sqlite-fts5', text).orderBy('task.id').getMany()).map(
          (task) => task.id.slice(-1),
        );
      const [scanSql] = build(
        { q: 'abcd' },
        'alpha',
        'sqlite-fts5',
        'scan',
      ).getQueryAndParameters();
      expect(scanSql).not.toContain('tasks_fts');
      expect(await found('abcd', 'scan')).toStrictEqual(['2', '4', '1']);
      const matches: { rowid: number }[] = await source.query(
        `SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH '"abcd"'`,
      );
      const rowids = { rowids: matches.map((match) => match.rowid) };
      expect(await found('abcd', rowids)).toStrictEqual(['2', '4', '1']);
      // An id prefix is found by its range, whatever the text search found.
      expect(await found('abcd', { rowids: [] })).toStrictEqual(['1']);
    });
  });
});
