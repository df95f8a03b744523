import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TaskResponse } from '../src/tasks/dto/task.response';
import { ApiClient } from './utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from './utils/api-keys';
import { TEST_DATABASE, TEST_POSTGRES_URL } from './utils/databases';
import { serviceForSuite } from './utils/suite-service';
import { waitFor } from './utils/wait-for';

const ADMIN_KEY = adminApiKey();
/** Small, so that the cap is reached with a few rows. */
const BULK_MAX = 15;

interface Row {
  id: string;
  project: string;
  status: string;
  createdAt: string;
  inputParams: Record<string, unknown>;
  errorMessage: string | null;
}

interface Page {
  tasks: TaskResponse[];
  total: number;
  total_is_lower_bound?: true;
  next_cursor: string | null;
}

/** Rows in project gamma: more than the 10,000 a count reads, and than FTS5's 2,000 for a text. */
const MANY = 10_050;
/** The id of gamma's row n (a UUID made of n); its created_at is 2026-02-01 plus n seconds. */
const gammaId = (n: number): string =>
  `${n.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const gammaTime = (n: number): string => new Date(Date.UTC(2026, 1, 1) + n * 1000).toISOString();

interface Bulk {
  matched: number;
  affected: number;
  eligible?: number;
  detail?: string;
}

const minute = (i: number): string => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();

/** Newest first, as the listing orders: created_at, then id, both descending. */
const newestFirst = (a: Row, b: Row): number =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

describe(`task search and bulk actions on ${TEST_DATABASE}`, () => {
  const suite = serviceForSuite({
    AUTH_MODE: 'keys',
    ADMIN_API_KEY: ADMIN_KEY,
    BULK_MAX_TASKS: String(BULK_MAX),
  });
  let alpha: CreatedKey;
  let alphaViewer: CreatedKey;
  let beta: CreatedKey;
  let gamma: CreatedKey;
  let root: ApiClient;
  const rows: Row[] = [];

  /** Rows straight into the table: set times, statuses and error messages, in two projects. */
  async function insert(batch: Row[]): Promise<void> {
    const values = batch.map((row) => [
      row.id,
      'csv_processing',
      row.status,
      row.createdAt.replace('T', ' ').replace('Z', ''),
      JSON.stringify(row.inputParams),
      row.errorMessage,
      row.project,
    ]);
    const sql = `INSERT INTO tasks (id, task_type, status, created_at, input_params, error_message, project, progress, attempts)
      VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1)`;
    if (suite.database.kind === 'sqlite') {
      const db = new Database(join(suite.service.dataDir, 'conveyor.sqlite'));
      try {
        const statement = db.prepare(sql);
        db.transaction(() => values.forEach((value) => statement.run(...value)))();
      } finally {
        db.close();
      }
      return;
    }
    // The counters' trigger names its table unqualified: the schema must be on the path.
    const client = new Client({
      connectionString: TEST_POSTGRES_URL,
      options: `-c search_path=${suite.database.schema}`,
    });
    await client.connect();
    try {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${++n}`);
      for (const value of values) await client.query(text, value);
    } finally {
      await client.end();
    }
  }

  /** MANY FAILED rows in gamma in one statement (through the counters' and FTS5 triggers). */
  async function insertMany(): Promise<void> {
    const columns = `INSERT INTO tasks (id, task_type, status, created_at, input_params, error_message, project, progress, attempts)`;
    const text = `'Gamma overflow on disk', 'gamma', 0, 1`;
    if (suite.database.kind === 'sqlite') {
      const db = new Database(join(suite.service.dataDir, 'conveyor.sqlite'));
      try {
        db.exec(`${columns}
          WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < ${MANY - 1})
          SELECT printf('%08x-0000-4000-8000-%012x', n, n), 'csv_processing', 'FAILED',
            strftime('%Y-%m-%d %H:%M:%f', '2026-02-01', '+' || n || ' seconds'),
            '{"note":"gamma-' || n || '"}', ${text} FROM g`);
      } finally {
        db.close();
      }
      return;
    }
    const client = new Client({
      connectionString: TEST_POSTGRES_URL,
      options: `-c search_path=${suite.database.schema}`,
    });
    await client.connect();
    try {
      await client.query(`${columns}
        SELECT lpad(to_hex(n), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(n), 12, '0'),
          'csv_processing', 'FAILED', timestamp '2026-02-01' + n * interval '1 second',
          '{"note":"gamma-' || n || '"}', ${text} FROM generate_series(0, ${MANY - 1}) AS n`);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    const key = (name: string, role: 'viewer' | 'operator', project: string) =>
      createKey(suite.service.url, ADMIN_KEY, { name, role, project });
    alpha = await key('alpha-op', 'operator', 'alpha');
    alphaViewer = await key('alpha-view', 'viewer', 'alpha');
    beta = await key('beta-op', 'operator', 'beta');
    gamma = await key('gamma-view', 'viewer', 'gamma');
    root = new ApiClient(suite.service.url, bearer(ADMIN_KEY));
    // 40 in alpha, every fourth FAILED with a quota error; pairs share a creation time, so that
    // paging must order by id as well. 6 FAILED in beta with the same error.
    for (let i = 0; i < 40; i++) {
      const failed = i % 4 === 0;
      rows.push({
        id: randomUUID(),
        project: 'alpha',
        status: failed ? 'FAILED' : 'SUCCESS',
        createdAt: minute(Math.floor(i / 2)),
        inputParams: { num_rows: 5, delimiter: i === 7 ? '|' : ',', note: `batch-${i}` },
        errorMessage: failed ? `Disk QUOTA exceeded on volume ${i}` : null,
      });
    }
    for (let i = 0; i < 6; i++) {
      rows.push({
        id: randomUUID(),
        project: 'beta',
        status: 'FAILED',
        createdAt: minute(i),
        inputParams: { num_rows: 5, note: `batch-${i}` },
        errorMessage: 'Disk quota exceeded',
      });
    }
    await insert(rows);
    await insertMany();
  });

  const alphaRows = (): Row[] => rows.filter((row) => row.project === 'alpha').sort(newestFirst);
  const list = async (who: ApiClient, query: string): Promise<Page> => {
    const answer = await who.request<Page>('GET', `/api/tasks/?${query}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const ids = (page: Page): string[] => page.tasks.map((task) => task.id);

  it('finds by id prefix, in any letter case, within the project only', async () => {
    const target = alphaRows()[5];
    const page = await list(alpha.api, `q=${target.id.slice(0, 8).toUpperCase()}`);
    expect(ids(page)).toContain(target.id);
    expect(page.tasks.every((task) => task.id.startsWith(target.id.slice(0, 8)))).toBe(true);
    expect(page.total).toBe(page.tasks.length);
    const betaRow = rows.find((row) => row.project === 'beta')!;
    expect((await list(alpha.api, `q=${betaRow.id.slice(0, 13)}`)).total).toBe(0);
  });

  it('finds text in error_message and in input_params', async () => {
    const failed = alphaRows().filter((row) => row.errorMessage);
    const byError = await list(alpha.api, 'q=quota%20exceeded');
    expect(ids(byError)).toStrictEqual(failed.map((row) => row.id));
    expect(byError.total).toBe(10);
    const byInput = await list(alpha.api, `q=${encodeURIComponent('batch-3')}`);
    const wanted = alphaRows().filter((row) => /batch-3/.test(String(row.inputParams.note)));
    expect(ids(byInput)).toStrictEqual(wanted.map((row) => row.id));
    expect(ids(await list(alpha.api, `q=${encodeURIComponent('"|"')}`))).toHaveLength(1);
    // A LIKE wildcard is taken as itself.
    expect((await list(alpha.api, 'q=%25')).total).toBe(0);
  });

  it('narrows by creation time, after inclusive and before exclusive', async () => {
    const page = await list(
      alpha.api,
      `created_after=${minute(5)}&created_before=${encodeURIComponent(minute(9))}&status=SUCCESS`,
    );
    const wanted = alphaRows().filter(
      (row) => row.createdAt >= minute(5) && row.createdAt < minute(9) && row.status === 'SUCCESS',
    );
    expect(wanted.length).toBeGreaterThan(0);
    expect(ids(page)).toStrictEqual(wanted.map((row) => row.id));
    expect(page.total).toBe(wanted.length);
  });

  it('answers 422 naming a bad time, a bad cursor, a cursor with an offset, an empty q', async () => {
    for (const [query, field] of [
      ['created_after=yesterday', 'created_after'],
      ['created_before=2026-13-01', 'created_before'],
      ['cursor=not-a-cursor', 'cursor'],
      ['q=', 'q'],
    ]) {
      const answer = await alpha.api.request<{ detail: { loc: string[] }[] }>(
        'GET',
        `/api/tasks/?${query}`,
      );
      expect(answer.status).toBe(422);
      expect(JSON.stringify(answer.body.detail)).toContain(field);
    }
    const { next_cursor } = await list(alpha.api, 'limit=3');
    const both = await alpha.api.request<{ detail: unknown }>(
      'GET',
      `/api/tasks/?limit=3&offset=3&cursor=${next_cursor}`,
    );
    expect(both.status).toBe(422);
    expect(JSON.stringify(both.body.detail)).toContain('offset');
  });

  it.each([
    ['every task', ''],
    ['one status', 'status=SUCCESS&'],
    ['a search', 'q=batch&'],
  ])('pages by cursor exactly as by offset: %s', async (_, filter) => {
    const byCursor: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(
        alpha.api,
        `${filter}limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      byCursor.push(...ids(page));
      cursor = page.next_cursor;
      pages += 1;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    const byOffset: string[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = await list(alpha.api, `${filter}limit=7&offset=${offset}`);
      byOffset.push(...ids(page));
      if (page.tasks.length < 7) break;
    }
    expect(byCursor).toStrictEqual(byOffset);
    expect(new Set(byCursor).size).toBe(byCursor.length);
    const wanted = alphaRows().filter(
      (row) =>
        (filter !== 'status=SUCCESS&' || row.status === 'SUCCESS') &&
        (filter !== 'q=batch&' || String(row.inputParams.note).includes('batch')),
    );
    expect(byCursor).toStrictEqual(wanted.map((row) => row.id));
  });

  it('says on the last page that there is none after it', async () => {
    const page = await list(alpha.api, 'limit=1000');
    expect(page.tasks).toHaveLength(40);
    expect(page.next_cursor).toBeNull();
  });

  it('lets a viewer search but not act, and an operator act on its own project only', async () => {
    expect((await list(alphaViewer.api, 'q=quota')).total).toBe(10);
    for (const path of ['/api/tasks/cancel', '/api/tasks/retry']) {
      const answer = await alphaViewer.api.request('POST', path, { filter: { status: 'FAILED' } });
      expect(answer.status).toBe(403);
    }
    const dry = await beta.api.request<Bulk>('POST', '/api/tasks/retry', {
      filter: { q: 'quota' },
      dry_run: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toStrictEqual({ matched: 6, affected: 0, eligible: 6 });
  });

  it('retries by filter: a new task per FAILED match, with retry_of, and one audit entry', async () => {
    const failed = alphaRows().filter((row) => row.status === 'FAILED');
    const filter = { status: 'FAILED', q: 'QUOTA' };
    const dry = await alpha.api.request<Bulk>('POST', '/api/tasks/retry', {
      filter,
      dry_run: true,
    });
    expect(dry.body).toStrictEqual({ matched: 10, affected: 0, eligible: 10 });
    expect((await list(alpha.api, 'status=PENDING')).total).toBe(0);

    const answer = await alpha.api.request<Bulk>('POST', '/api/tasks/retry', { filter });
    expect(answer.status).toBe(200);
    expect(answer.body).toStrictEqual({ matched: 10, affected: 10 });
    for (const original of failed) {
      const retries = await list(alpha.api, `retry_of=${original.id}`);
      expect(retries.total).toBe(1);
      expect(retries.tasks[0].task_type).toBe('csv_processing');
    }
    // Beta's failures, which match the same text, are untouched.
    expect(
      (await list(beta.api, 'retry_of=' + rows.find((r) => r.project === 'beta')!.id)).total,
    ).toBe(0);

    const audit = await root.request<{
      entries: { action: string; resource: string; project: string }[];
    }>('GET', '/api/audit?project=alpha&action=task.bulk_retry');
    expect(audit.status).toBe(200);
    const real = audit.body.entries.filter((entry) => !entry.resource.startsWith('dry_run'));
    expect(real).toHaveLength(1);
    expect(real[0]).toMatchObject({ resource: 'matched=10 affected=10', project: 'alpha' });
  });

  it('cancels by ids: only the cancellable ones of the project, as a single cancel does', async () => {
    const submitted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await alpha.api.request<TaskResponse>('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        input_params: { num_rows: 5, processing_time: 600 },
      });
      expect(answer.status).toBe(200);
      submitted.push(answer.body.id);
    }
    const finished = alphaRows().find((row) => row.status === 'SUCCESS')!;
    const otherProject = rows.find((row) => row.project === 'beta')!;
    const answer = await alpha.api.request<Bulk>('POST', '/api/tasks/cancel', {
      ids: [...submitted, finished.id, otherProject.id, submitted[0]],
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toStrictEqual({ matched: 4, affected: 3 });
    for (const id of submitted) {
      const task = await alpha.api.request<TaskResponse>('GET', `/api/tasks/${id}`);
      expect(task.body.status).toBe('CANCELLED');
    }
    const beta_ = await beta.api.request<TaskResponse>('GET', `/api/tasks/${otherProject.id}`);
    expect(beta_.body.status).toBe('FAILED');
    // Nothing of theirs runs on: the queue holds no job for them.
    await waitFor('the cancelled tasks to stay cancelled with no run', async () => {
      const page = await list(alpha.api, 'status=RUNNING');
      return page.tasks.every((task) => !submitted.includes(task.id));
    });
  });

  it('refuses more than BULK_MAX_TASKS matches, saying how to narrow, and changes nothing', async () => {
    const before = (await list(alpha.api, 'status=CANCELLED')).total;
    const answer = await alpha.api.request<{ detail: { msg: string; loc: string[] }[] }>(
      'POST',
      '/api/tasks/cancel',
      { filter: {} },
    );
    expect(answer.status).toBe(422);
    expect(answer.body.detail[0].loc).toStrictEqual(['body', 'filter']);
    expect(answer.body.detail[0].msg).toMatch(/More than 15 tasks match.*narrow the filter/);
    const tooMany = await alpha.api.request('POST', '/api/tasks/retry', {
      ids: alphaRows()
        .slice(0, BULK_MAX + 1)
        .map((row) => row.id),
    });
    expect(tooMany.status).toBe(422);
    expect((await list(alpha.api, 'status=CANCELLED')).total).toBe(before);
  });

  it('asks for exactly one of filter and ids, and names bad fields', async () => {
    for (const body of [
      {},
      { filter: { status: 'FAILED' }, ids: [rows[0].id] },
      { filter: { status: 'DONE' } },
      { filter: { colour: 'red' } },
      { ids: ['nope'] },
      { ids: [] },
    ]) {
      const answer = await alpha.api.request<{ detail: unknown }>('POST', '/api/tasks/retry', body);
      expect([answer.status, body]).toStrictEqual([422, body]);
    }
  });
  it('counts from the counters exactly, and stops a row count past 10,000 with a lower bound', async () => {
    const failed = await list(gamma.api, 'status=FAILED&limit=5');
    expect(failed.total).toBe(MANY);
    expect(failed.total_is_lower_bound).toBeUndefined();
    const since = await list(gamma.api, `created_after=${gammaTime(0)}&limit=5`);
    expect(since.total).toBe(10_000);
    expect(since.total_is_lower_bound).toBe(true);
    expect(ids(since)).toStrictEqual([1, 2, 3, 4, 5].map((back) => gammaId(MANY - back)));
    const lastTen = await list(gamma.api, `created_after=${gammaTime(MANY - 10)}&limit=5`);
    expect(lastTen.total).toBe(10);
    expect(lastTen.total_is_lower_bound).toBeUndefined();
  });

  it('finds a text thousands of tasks hold newest first, its total a lower bound from the page', async () => {
    const first = await list(gamma.api, 'q=OVERFLOW&limit=50');
    const newest = (from: number, count: number): string[] =>
      Array.from({ length: count }, (_, i) => gammaId(MANY - 1 - from - i));
    expect(ids(first)).toStrictEqual(newest(0, 50));
    expect(first.total).toBe(51);
    expect(first.total_is_lower_bound).toBe(true);
    const byCursor = await list(gamma.api, `q=OVERFLOW&limit=50&cursor=${first.next_cursor}`);
    const byOffset = await list(gamma.api, 'q=OVERFLOW&limit=50&offset=50');
    expect(ids(byCursor)).toStrictEqual(newest(50, 50));
    expect(ids(byOffset)).toStrictEqual(ids(byCursor));
    expect(byOffset.total).toBe(101);
    const last = await list(gamma.api, `q=OVERFLOW&limit=50&offset=${MANY - 20}`);
    expect(ids(last)).toStrictEqual(newest(MANY - 20, 20));
    expect(last.total).toBe(MANY);
    expect(last.total_is_lower_bound).toBeUndefined();
    const rare = await list(gamma.api, `q=${encodeURIComponent('gamma-1234"')}`);
    expect(ids(rare)).toStrictEqual([gammaId(1234)]);
    expect(rare.total).toBe(1);
    expect(rare.total_is_lower_bound).toBeUndefined();
  });
});
