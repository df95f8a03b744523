// Listing at scale: rows inserted straight into the tasks table (a realistic mix of statuses,
// types and creation times), then GET /api/tasks/ with filters and paging under load, beside
// a bare node:http server running the same SELECT and counter sum on the same database file.
import { randomUUID } from 'node:crypto';
import { load, formatLoad } from './lib/load.mjs';
import {
  Cleanup,
  makeStore,
  requireFromProject,
  startBareApi,
  startService,
} from './lib/service.mjs';
import { openSql, sqlTimestamp } from './lib/sql.mjs';

/**
 * Cumulative weights of the finished rows. Only the newest 0.1 % are still PENDING or RUNNING,
 * as in a service that has run for months: with no job in Redis behind them (the rows go in
 * directly), more would keep the API's recovery pass busy enqueueing them while it is measured.
 */
const FINISHED = [
  ['SUCCESS', 0.8],
  ['FAILED', 0.92],
  ['CANCELLED', 1],
];
const IN_FLIGHT_SHARE = 0.001;
const TYPES = [
  ['csv_processing', 0.5],
  ['email_sending', 0.8],
  ['image_processing', 1],
];
const SPREAD_MS = 90 * 24 * 3600 * 1000;
const QUERIES = [
  ['status', '?status=SUCCESS&limit=50'],
  ['status, deep page', '?status=SUCCESS&limit=50&offset=10000'],
  ['status and type', '?status=SUCCESS&task_type=email_sending&limit=50'],
];

const pick = (table, r) => table.find(([, upTo]) => r < upTo)[0];

/**
 * Inserts `count` rows in one transaction per 10,000 (SQLite: one writer, few fsyncs), oldest
 * first as a live service creates them, then checkpoints the WAL so that reads measure a settled
 * database rather than a write-ahead log of a gigabyte.
 */
function insertRows(db, count) {
  // Seeded, so that every run lists the same data.
  const { seededRandom } = requireFromProject('./dist/task-types/csv/csv-generate.js');
  const random = seededRandom(42);
  const now = Date.now();
  const step = SPREAD_MS / count;
  const insert = db.prepare(`INSERT INTO tasks
    (id, task_type, status, created_at, started_at, completed_at, progress, input_params, result_data, error_message, attempts)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const batch = db.transaction((rows) => {
    for (const row of rows) insert.run(...row);
  });
  const inFlightFrom = count - Math.max(20, Math.round(count * IN_FLIGHT_SHARE));
  for (let done = 0; done < count;) {
    const rows = [];
    for (let i = 0; i < 10_000 && done < count; i++, done++) {
      const roll = random();
      const status =
        done < inFlightFrom ? pick(FINISHED, roll) : roll < 0.9 ? 'PENDING' : 'RUNNING';
      const type = pick(TYPES, random());
      const created = new Date(now - SPREAD_MS + done * step + random() * step);
      const started = status === 'PENDING' ? null : new Date(created.getTime() + 50);
      const finished = ['SUCCESS', 'FAILED', 'CANCELLED'].includes(status);
      const completed = finished ? new Date(created.getTime() + 1000 + random() * 60_000) : null;
      rows.push([
        randomUUID(),
        type,
        status,
        sqlTimestamp(created),
        started && sqlTimestamp(started),
        completed && sqlTimestamp(completed),
        finished ? 100 : 0,
        JSON.stringify({ num_rows: 1000, processing_time: 0 }),
        status === 'SUCCESS' ? JSON.stringify({ total_rows: 1000, processed_rows: 1000 }) : null,
        status === 'FAILED' ? 'The file is not CSV text' : null,
        1,
      ]);
    }
    batch(rows);
  }
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

export async function listAtScale({ quick }) {
  const count = quick ? 20_000 : 1_000_000;
  const seconds = quick ? 1 : 10;
  const cleanup = new Cleanup();
  try {
    const store = await makeStore('sqlite', 'list', cleanup);
    // The API applies the migrations (table and indexes); the rows then go in directly.
    const api = await startService(store, 'api', {}, cleanup);
    const sql = await openSql(store);
    cleanup.add(() => sql.close());
    insertRows(sql.db, count);
    const bareApi = await startBareApi(store, cleanup);
    const rows = [];
    for (const [name, query] of QUERIES) {
      for (const connections of [1, 50]) {
        const measure = async (url) => {
          // A full run first warms the JIT and the page cache, unmeasured; a quick run has no time.
          if (!quick) await load(`${url}/api/tasks/${query}`, { connections, seconds: 2 });
          return load(`${url}/api/tasks/${query}`, { connections, seconds });
        };
        const system = await measure(api.url);
        const bare = await measure(bareApi.url);
        const targeted = connections === 50;
        rows.push({
          benchmark: `List at scale: ${name} (sqlite)`,
          size: `${count.toLocaleString('en-US')} rows, ${connections} conn., ${seconds} s, GET /api/tasks/${query}`,
          system: formatLoad(system),
          bare: formatLoad(bare),
          ratio: system.rps / bare.rps,
          target: targeted ? 'p99 ≤ 100 ms' : '—',
          holds: targeted ? system.p99 <= 100 && system.errors === 0 : null,
        });
      }
    }
    return rows;
  } finally {
    await cleanup.run();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await listAtScale({ quick: process.argv.includes('--quick') }));
}
