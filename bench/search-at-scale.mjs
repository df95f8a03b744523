// Search at scale: N rows straight into the tasks table of a migrated database, then the
// listing's own queries (TaskStore.page and TaskStore.count from dist/, as GET /api/tasks/ runs
// them, without HTTP) for the first page, each filter, q, and a page at depth N/2 by cursor
// against by offset. q is measured with the text indexes the migration made (PostgreSQL trigram,
// SQLite FTS5 trigram) and again without them (plain ILIKE / LIKE).
//
//   node bench/search-at-scale.mjs [sqlite|postgres] [rows]      (npm run build first)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireFromProject } from './lib/service.mjs';

const kind = process.argv[2] ?? 'sqlite';
const ROWS = Number(process.argv[3] ?? 1_000_000);
const PROJECT = 'bench';
const ITERATIONS = 30;
/** A slow query stops being repeated once it has taken this long in all. */
const BUDGET_MS = 15_000;

const { validateEnv } = requireFromProject('./dist/config/env.js');
const { AppConfig } = requireFromProject('./dist/config/app-config.js');
const { buildDataSourceOptions, ensureSchema } = requireFromProject(
  './dist/database/data-source.js',
);
const { TaskStore } = requireFromProject('./dist/database/task-store.js');
const { Task } = requireFromProject('./dist/database/task.entity.js');
const { DataSource } = requireFromProject('typeorm');

const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-search-bench-'));
const schema = `bench_search_${randomUUID().slice(0, 8)}`;
const env =
  kind === 'postgres'
    ? {
        DATA_DIR: dataDir,
        DATABASE_URL: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        DATABASE_SCHEMA: schema,
      }
    : { DATA_DIR: dataDir };
const config = new AppConfig(validateEnv(env));
await ensureSchema(config);
const source = new DataSource(buildDataSourceOptions(config));
await source.initialize();
let store = new TaskStore(source.getRepository(Task), config);
const trigramSchema =
  kind === 'postgres'
    ? (
        await source.query(
          `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
        )
      )[0]?.schema
    : undefined;
const scope = { project: PROJECT };
const START = Date.UTC(2026, 0, 1);
/** One row every 7 ms: distinct, millisecond-precise times, as the service writes them. */
const STEP_MS = 7;

/**
 * 70 % SUCCESS, 15 % FAILED (error text from a few templates), the rest CANCELLED; types in
 * turn; input_params with a short note unique per row.
 */
async function load() {
  const started = Date.now();
  if (kind === 'postgres') {
    // GIN indexes are far cheaper built once over the rows than kept up row by row while loading.
    await source.query('DROP INDEX idx_tasks_error_message_trgm');
    await source.query('DROP INDEX idx_tasks_input_params_trgm');
    await source.query(`INSERT INTO tasks (id, task_type, status, created_at, input_params, error_message, project, progress, attempts)
      SELECT md5(g::text)::uuid::text,
        (ARRAY['csv_processing','email_sending','image_processing'])[1 + g % 3],
        CASE WHEN g % 20 < 14 THEN 'SUCCESS' WHEN g % 20 < 17 THEN 'FAILED' ELSE 'CANCELLED' END,
        timestamp '2026-01-01' + g * interval '${STEP_MS} milliseconds',
        '{"num_rows":' || (g % 10000) || ',"note":"batch-' || g || '"}',
        CASE WHEN g % 20 BETWEEN 14 AND 16 THEN
          (ARRAY['Disk quota exceeded on volume ','SMTP 550 mailbox unavailable for user','Timed out after 3600 s, run '])[1 + g % 3] || (g % 9973)
        END,
        '${PROJECT}', 0, 1
      FROM generate_series(0, ${ROWS - 1}) AS g`);
    const indexed = Date.now();
    const ops = `"${trigramSchema}".gin_trgm_ops`;
    await source.query(
      `CREATE INDEX idx_tasks_error_message_trgm ON tasks USING gin (error_message ${ops})`,
    );
    await source.query(
      `CREATE INDEX idx_tasks_input_params_trgm ON tasks USING gin (input_params ${ops})`,
    );
    console.log(
      `postgres trigram indexes built in ${((Date.now() - indexed) / 1000).toFixed(1)} s`,
    );
    await source.query('ANALYZE tasks');
  } else {
    const db = source.driver.databaseConnection;
    const insert =
      db.prepare(`INSERT INTO tasks (id, task_type, status, created_at, input_params, error_message, project, progress, attempts)
      VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1)`);
    const types = ['csv_processing', 'email_sending', 'image_processing'];
    const errors = [
      'Disk quota exceeded on volume ',
      'SMTP 550 mailbox unavailable for user',
      'Timed out after 3600 s, run ',
    ];
    const batch = db.transaction((from, to) => {
      for (let g = from; g < to; g++) {
        const slot = g % 20;
        const status = slot < 14 ? 'SUCCESS' : slot < 17 ? 'FAILED' : 'CANCELLED';
        insert.run(
          randomUUID(),
          types[g % 3],
          status,
          new Date(START + g * STEP_MS).toISOString().replace('T', ' ').replace('Z', ''),
          `{"num_rows":${g % 10000},"note":"batch-${g}"}`,
          status === 'FAILED' ? errors[g % 3] + (g % 9973) : null,
          PROJECT,
        );
      }
    });
    // The FTS5 index is built once over the rows, then kept by its triggers as in the service.
    for (const name of ['insert', 'update', 'delete']) db.exec(`DROP TRIGGER tasks_fts_on_${name}`);
    for (let from = 0; from < ROWS; from += 20_000) batch(from, Math.min(ROWS, from + 20_000));
    const indexed = Date.now();
    db.exec(`INSERT INTO tasks_fts (tasks_fts) VALUES ('rebuild')`);
    console.log(`sqlite FTS5 index built in ${((Date.now() - indexed) / 1000).toFixed(1)} s`);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('ANALYZE');
  }
  return Date.now() - started;
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function measure(run) {
  const times = [];
  const began = Date.now();
  await run(); // warm
  while (times.length < ITERATIONS && Date.now() - began < BUDGET_MS) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { n: times.length, p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** As TasksService.list: the page (one row more) and the total together. */
const list = (filter, { offset = 0, after } = {}) =>
  Promise.all([store.page(scope, filter, 51, offset, after), store.count(scope, filter)]);
const pageOnly = (filter, { offset = 0, after } = {}) =>
  store.page(scope, filter, 51, offset, after);

const loadMs = await load();
const someId = (await store.page(scope, {}, 1, 12345))[0].id;
const DEPTH = Math.floor(ROWS / 2);
const atDepth = (await store.page(scope, {}, 1, DEPTH - 1))[0];
const cursor = { createdAt: atDepth.createdAt, id: atDepth.id };
const day = (n) => new Date(START + n * 24 * 3600 * 1000);

const cases = [
  ['first page', () => list({})],
  ['status=FAILED', () => list({ status: 'FAILED' })],
  [
    'status=FAILED&task_type=email_sending',
    () => list({ status: 'FAILED', taskType: 'email_sending' }),
  ],
  [
    'created_after + created_before (one day)',
    () => list({ createdAfter: day(1), createdBefore: day(2) }),
  ],
  ['retry_of (none)', () => list({ retryOf: someId })],
  ['q = id prefix (8 chars)', () => list({ q: someId.slice(0, 8) })],
  ['q = rare text (1 row)', () => list({ q: 'batch-123457"' })],
  ['q = common text (5 %)', () => list({ q: 'quota exceeded' })],
  ['q = rare text, page only', () => pageOnly({ q: 'batch-123457"' })],
  ['q = common text, page only', () => pageOnly({ q: 'quota exceeded' })],
  [
    `page at depth ${DEPTH.toLocaleString('en')} by offset, page only`,
    () => pageOnly({}, { offset: DEPTH }),
  ],
  [
    `page at depth ${DEPTH.toLocaleString('en')} by cursor, page only`,
    () => pageOnly({}, { after: cursor }),
  ],
];

const results = [];
for (const [name, run] of cases) {
  const r = await measure(run);
  results.push([name, r]);
  console.log(
    `${kind} ${name}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.n} runs)`,
  );
}

/** What the search would cost without the migration's text indexes, or with FTS5 on SQLite. */
const textCases = cases.filter(
  ([name]) => name.startsWith('q = rare') || name.startsWith('q = common'),
);
if (kind === 'postgres') {
  await source.query('DROP INDEX IF EXISTS idx_tasks_error_message_trgm');
  await source.query('DROP INDEX IF EXISTS idx_tasks_input_params_trgm');
  for (const [name, run] of textCases) {
    const r = await measure(run);
    results.push([`${name}, plain ILIKE (no trigram index)`, r]);
    console.log(
      `${kind} ${name} plain ILIKE: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.n} runs)`,
    );
  }
} else {
  // Without the migration's FTS5 index: a fresh store finds none and searches with LIKE.
  source.driver.databaseConnection.exec('DROP TABLE tasks_fts');
  store = new TaskStore(source.getRepository(Task), config);
  for (const [name, run] of textCases) {
    const r = await measure(run);
    results.push([`${name}, plain LIKE (no FTS5 index)`, r]);
    console.log(
      `${kind} ${name} plain LIKE: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.n} runs)`,
    );
  }
}

const machine = `${cpus().length} CPUs, ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
console.log(
  `\n${kind}, ${ROWS.toLocaleString('en')} rows (loaded in ${(loadMs / 1000).toFixed(0)} s), ${machine}, Node ${process.version}\n`,
);
console.log('| query | p50 ms | p99 ms | runs |\n| --- | ---: | ---: | ---: |');
for (const [name, r] of results)
  console.log(`| ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.n} |`);

if (kind === 'postgres') await source.query(`DROP SCHEMA "${schema}" CASCADE`);
await source.destroy();
rmSync(dataDir, { recursive: true, force: true });
