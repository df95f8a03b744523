import { Logger } from '@nestjs/common';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { EVERY_PROJECT } from '../core/project';
import { waitFor } from '../../test/utils/wait-for';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import { escapeLike } from './task-search';
import { NewTask, TaskStore } from './task-store';
import { Task } from './task.entity';
import { TRIGRAM_SAMPLE_DEFAULTS, TrigramSample } from './trigram-sample';

/**
 * `q` on PostgreSQL: where its text holds a trigram common in the table, the trigram indexes are
 * asked for a rare part of it and each row they give is checked for all of it (trigram-narrowing
 * .ts). What is found must be exactly what ILIKE on the whole text finds.
 */
describe('text search narrowed to rare trigrams on postgres', () => {
  const ROWS = TRIGRAM_SAMPLE_DEFAULTS.minRows + 100;
  let database: TestDatabase;
  let tasks: Repository<Task>;
  let store: TaskStore;

  /** Five letters of its own for row i: their trigrams are rare, `batch-` is in every row. */
  const code = (i: number) =>
    ((i * 7919 + 104_729) % 26 ** 5)
      .toString(26)
      .padStart(5, '0')
      .replace(/./g, (digit) => String.fromCharCode(97 + parseInt(digit, 26)));

  const task = (note: string): NewTask => ({
    taskType: 'csv_processing',
    inputParams: { num_rows: 1, note },
    retryOf: null,
    project: 'default',
  });

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase('postgres');
    tasks = database.dataSource.getRepository(Task);
    store = new TaskStore(tasks, database.config);
    const inserted = await store.insertMany(
      Array.from({ length: ROWS }, (_, i) => task(`batch-${code(i)}`)),
    );
    await store.insertMany([
      task(`BATCH-${code(7).toUpperCase()} again, in capitals`),
      task(`batch-${code(8)}%_x with wildcards`),
      task(`café batch-${code(42)}`),
    ]);
    await tasks.update(
      { id: inserted[123].id },
      { errorMessage: `Quota exceeded for BATCH-${code(123).toUpperCase()}` },
    );
    await tasks.query('ANALYZE tasks');
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  /** What ILIKE on the whole text finds in either column: the search as it was. */
  async function foundByIlike(q: string): Promise<string[]> {
    const pattern = `%${escapeLike(q)}%`;
    const rows: { id: string }[] = await tasks.query(
      `SELECT id FROM tasks WHERE error_message ILIKE $1 ESCAPE '\\' OR input_params ILIKE $1 ESCAPE '\\'`,
      [pattern],
    );
    return rows.map((row) => row.id).sort();
  }

  /** What the store's listing finds, with the statements it sent that look for text. */
  async function listed(q: string): Promise<{ ids: string[]; searches: unknown[][] }> {
    const query = jest.spyOn(tasks, 'query');
    try {
      const page = await store.page(EVERY_PROJECT, { q }, 1_000, 0);
      const searches = query.mock.calls
        .filter(([sql]) => sql.includes('ILIKE'))
        .map(([, parameters]): unknown[] => parameters ?? []);
      return { ids: page.map((row) => row.id).sort(), searches };
    } finally {
      query.mockRestore();
    }
  }

  it.each([
    ['a rare word after a common one', () => `batch-${code(7)}"`],
    ['the same in capitals', () => `BATCH-${code(7).toUpperCase()}`],
    ['a text in an error message', () => `batch-${code(123)}`],
    ['part of a common word', () => `ch-${code(250)}`],
    ['LIKE wildcards', () => `batch-${code(8)}%_x`],
    ['a word that is not ASCII', () => `café batch-${code(42)}`],
    ['common trigrams only', () => 'batch-'],
    ['rare trigrams only', () => 'quota exceeded'],
    ['nothing', () => 'batch-zzzzz'],
  ])('finds for %s exactly what ILIKE on the whole text finds', async (_, q) => {
    const expected = await foundByIlike(q());
    expect((await listed(q())).ids).toEqual(expected);
  });

  it('asks the index for the rare part of a text that holds common trigrams', async () => {
    const { ids, searches } = await listed(`batch-${code(7)}`);
    expect(ids).toHaveLength(2);
    expect(searches).toHaveLength(1);
    expect(searches[0]).toEqual(expect.arrayContaining([`%${code(7)}%`, `%batch-${code(7)}%`]));
  });

  it('asks the index for the whole of a text whose trigrams are all rare', async () => {
    const { searches } = await listed(`x-${code(7)}`);
    expect(searches[0]).toEqual([`%x-${code(7)}%`]);
  });

  it('lets the trigram index serve the rare part alone', async () => {
    const runner = database.dataSource.createQueryRunner();
    await runner.connect();
    try {
      // A table this small is read whole or newest first; the index is what is checked here.
      await runner.query('SET enable_seqscan = off');
      await runner.query('SET enable_indexscan = off');
      const query = jest.spyOn(tasks, 'query');
      await store.page(EVERY_PROJECT, { q: `batch-${code(7)}` }, 50, 0);
      const [sql, parameters] = query.mock.calls.find(([text]) => text.includes('ILIKE')) as [
        string,
        unknown[],
      ];
      query.mockRestore();
      const plan = (await runner.query(`EXPLAIN ${sql}`, parameters)) as {
        'QUERY PLAN': string;
      }[];
      const conditions = plan
        .map((row) => row['QUERY PLAN'])
        .filter((line) => line.includes('Index Cond: (input_params'))
        .join('\n');
      expect(conditions).toContain(`input_params ~~* '%${code(7)}%'`);
      expect(conditions).not.toContain('batch');
    } finally {
      await runner.query('RESET ALL');
      await runner.release();
    }
  });

  it('samples how common each trigram is, and nothing from a table below minRows', async () => {
    const sample = new TrigramSample(tasks);
    const { inputParams, errorMessage } = await sample.shares();
    expect(inputParams.get('bat')).toBeGreaterThan(0.95);
    expect(inputParams.get(code(7).slice(0, 3))).toBeUndefined();
    expect(errorMessage.get('quo')).toBeUndefined();
    const small = new TrigramSample(tasks, { ...TRIGRAM_SAMPLE_DEFAULTS, minRows: ROWS * 2 });
    expect((await small.shares()).inputParams.size).toBe(0);
  });

  it('takes one row per page from a table of more pages than rows wanted', async () => {
    const [{ pages }] = await tasks.query<{ pages: number }[]>(
      `SELECT relpages AS pages FROM pg_class WHERE oid = 'tasks'::regclass`,
    );
    const rows = Math.floor(pages / 2);
    expect(rows).toBeGreaterThan(1);
    const sample = new TrigramSample(tasks, { ...TRIGRAM_SAMPLE_DEFAULTS, rows, minRows: 1 });
    const { inputParams } = await sample.shares();
    expect(inputParams.get('bat')).toBe(1);
    // The rows sampled, known by the trigrams of their own five letters, and their pages. Rows
    // 7, 8 and 42 are left out: the three rows added after them repeat their letters.
    const sampled = Array.from({ length: ROWS }, (_, i) => i)
      .filter((i) => ![7, 8, 42].includes(i))
      .map(code)
      .filter((letters) => [0, 1, 2].every((at) => inputParams.has(letters.slice(at, at + 3))));
    expect(sampled.length).toBeGreaterThan(0);
    expect(sampled.length).toBeLessThanOrEqual(rows);
    const pagesOf: { page: number }[] = await tasks.query(
      `SELECT DISTINCT (ctid::text::point)[0] AS page FROM tasks
       WHERE input_params LIKE ANY ($1)`,
      [sampled.map((letters) => `%batch-${letters}"%`)],
    );
    expect(pagesOf).toHaveLength(sampled.length);
  });

  it('takes a stale sample again without making the search wait for it', async () => {
    const sample = new TrigramSample(tasks, { ...TRIGRAM_SAMPLE_DEFAULTS, minRows: 1 });
    const start = Date.now();
    const first = await sample.shares(start);
    const spy = jest.spyOn(tasks, 'query');
    try {
      const stale = start + TRIGRAM_SAMPLE_DEFAULTS.maxAgeMs + 1;
      // The stale call answers with the shares it had, while the new sample is read.
      expect(await sample.shares(stale)).toBe(first);
      expect(spy).toHaveBeenCalled();
      await waitFor('the new sample', async () => (await sample.shares(stale + 1)) !== first);
      // One sample (its size estimate, its rows), not one per call while it was read.
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes a sample that found too few rows again after emptyMaxAgeMs, a full one not', async () => {
    const options = { ...TRIGRAM_SAMPLE_DEFAULTS, emptyMaxAgeMs: 1_000 };
    const empty = new TrigramSample(tasks, { ...options, minRows: ROWS * 2 });
    const full = new TrigramSample(tasks, options);
    const start = Date.now();
    expect((await empty.shares(start)).inputParams.size).toBe(0);
    expect((await full.shares(start)).inputParams.size).toBeGreaterThan(0);
    const spy = jest.spyOn(tasks, 'query');
    try {
      const later = start + options.emptyMaxAgeMs + 1;
      await full.shares(later);
      expect(spy).not.toHaveBeenCalled();
      await empty.shares(later);
      expect(spy).toHaveBeenCalled();
      // The new sample is read in the background: let it end within this test.
      await waitFor('the new sample sent', () => spy.mock.calls.length >= 2);
      await spy.mock.results[1].value;
    } finally {
      spy.mockRestore();
    }
  });

  it('has an API process take its first sample at start-up, and a worker none', async () => {
    const sampled = (store: TaskStore) => {
      const spy = jest.spyOn(tasks, 'query');
      try {
        store.onApplicationBootstrap();
        return spy.mock.calls.some(([sql]) => sql.includes('pg_class'));
      } finally {
        spy.mockRestore();
      }
    };
    const api = new TaskStore(tasks, { ...database.config, role: 'api' } as AppConfig);
    const worker = new TaskStore(tasks, { ...database.config, role: 'worker' } as AppConfig);
    // The sample's first statement is sent before bootstrap returns, which does not wait for it.
    expect(sampled(api)).toBe(true);
    expect(sampled(worker)).toBe(false);
    // A search meanwhile shares that sample (and this one ends before the database is dropped).
    const spy = jest.spyOn(tasks, 'query');
    try {
      await api.page(EVERY_PROJECT, { q: 'batch-' }, 1, 0);
      expect(spy.mock.calls.some(([sql]) => sql.includes('pg_class'))).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });
});
