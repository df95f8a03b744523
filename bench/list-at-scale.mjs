// Listing at scale (issue 17, target 3): 1,000,000 task rows (20,000 with --quick) loaded
// straight into a migrated database (bench/lib/task-rows.mjs), then GET /api/tasks/ through HTTP
// with an API key (AUTH_MODE=keys) at a fixed offered load of 100 requests/s (open loop, evenly
// paced, each latency counted from when its request was due: lib/load.mjs),
// for the first page, each filter, each kind of `q`, and a page at depth N/2 by cursor and by
// offset; on SQLite and on PostgreSQL. Where the bare node:http server can run the same query
// (no filter, status, type, offset: bench/bare/bare-api.mjs) it runs beside, on the same
// database, at the same rate.
//
//   node bench/list-at-scale.mjs [--quick] [--only=sqlite|postgres]   (npm run build first)
import { randomBytes } from 'node:crypto';
import { cpuMs } from './lib/cpu.mjs';
import { formatLoad, load } from './lib/load.mjs';
import {
  Cleanup,
  makeStore,
  requireFromProject,
  startBareApi,
  startService,
} from './lib/service.mjs';
import { openSql } from './lib/sql.mjs';
import { LOADED_PROJECT, loadTaskRows, rowId } from './lib/task-rows.mjs';

const RATE = 100;
const TARGET_P99_MS = 50;
const CONNECTIONS = 20;
const DAY_MS = 24 * 3600 * 1000;

async function viewerKey(url, adminKey) {
  const response = await fetch(`${url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', role: 'viewer', project: LOADED_PROJECT }),
  });
  if (response.status !== 201) throw new Error(`POST /api/keys answered ${response.status}`);
  return (await response.json()).key;
}

/** The listing's cases: [name, query string, whether the bare server can answer it too]. */
async function cases(api, headers, count, endMs) {
  const depth = Math.floor(count / 2);
  const { encodeCursor } = requireFromProject('./dist/database/task-search.js');
  const atDepth = await fetch(`${api.url}/api/tasks/?limit=1&offset=${depth - 1}`, { headers })
    .then((response) => response.json())
    .then((page) => page.tasks[0]);
  const cursor = encodeCursor({ createdAt: new Date(atDepth.created_at), id: atDepth.id });
  const day = (daysAgo) => new Date(endMs - daysAgo * DAY_MS).toISOString();
  const rare = Math.floor(count * 0.6) + 7;
  const depthText = depth.toLocaleString('en-US');
  return [
    ['first page', 'limit=50', true],
    ['status', 'status=FAILED&limit=50', true],
    ['status and type', 'status=FAILED&task_type=email_sending&limit=50', true],
    ['date range (one day)', `created_after=${day(31)}&created_before=${day(30)}&limit=50`, false],
    ['priority (1 % of rows)', 'priority=9&limit=50', false],
    ['q id prefix (8 characters)', `q=${rowId(rare).slice(0, 8)}&limit=50`, false],
    ['q rare text (1 row)', `q=${encodeURIComponent(`batch-${rare}"`)}&limit=50`, false],
    ['q common text (5 % of rows)', 'q=quota%20exceeded&limit=50', false],
    [`cursor at depth ${depthText}`, `cursor=${cursor}&limit=50`, false],
    [`offset at depth ${depthText}`, `offset=${depth}&limit=50`, true],
  ];
}

/**
 * CPU ms used so far by the API process and, on PostgreSQL, by each server session it opened
 * (found by their application_name), by pid: on a shared machine, the cost of a request moves
 * much less than its latency.
 */
async function apiCpuByPid(api, sql, store) {
  const usage = new Map([[api.pid, cpuMs(api.pid)]]);
  if (sql.kind !== 'postgres') return usage;
  const sessions = await sql.query(`SELECT pid FROM pg_stat_activity WHERE application_name = ?`, [
    `conveyor api ${store.env.DATABASE_SCHEMA}`.slice(0, 63),
  ]);
  for (const { pid } of sessions) {
    try {
      usage.set(pid, cpuMs(pid));
    } catch {
      // Gone since pg_stat_activity was read.
    }
  }
  return usage;
}

/**
 * The CPU ms used between two readings of apiCpuByPid. A session opened in between counts from
 * its start; one that ended in between is left out, its last reading gone. (Summed as totals, a
 * pooled session that ended took all its earlier time with it: a row read -1.89 ms per request.)
 */
function cpuBetween(before, after) {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function listOn(kind, { quick, count, seconds }) {
  const cleanup = new Cleanup();
  try {
    const store = await makeStore(kind, 'list', cleanup);
    const adminKey = randomBytes(32).toString('base64url');
    // The API applies the migrations; the rows then go in directly. The per-key rate limit is
    // raised past the offered load (it stays on: each request still passes the limiter).
    const api = await startService(
      store,
      'api',
      { AUTH_MODE: 'keys', ADMIN_API_KEY: adminKey, RATE_LIMIT_PER_MINUTE: '1000000' },
      cleanup,
    );
    const headers = { authorization: `Bearer ${await viewerKey(api.url, adminKey)}` };
    const sql = await openSql(store);
    cleanup.add(() => sql.close());
    const endMs = Date.now();
    const loadStarted = Date.now();
    const steps = await loadTaskRows(sql, count, endMs);
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    console.log(`${kind}: ${count} rows loaded in ${loadSeconds.toFixed(0)} s`, steps);
    const bareApi = await startBareApi({ ...store, schemaReady: true }, cleanup);
    // A full run warms the JIT and the caches first for 2 s, unmeasured; a quick one has no time.
    const measure = async (url, query, extraHeaders, measuredSeconds = seconds) =>
      load(`${url}/api/tasks/?${query}`, {
        connections: CONNECTIONS,
        overallRate: RATE,
        headers: extraHeaders,
        seconds: measuredSeconds,
      });
    const rows = [];
    for (const [name, query, bareToo] of await cases(api, headers, count, endMs)) {
      if (!quick) await measure(api.url, query, headers, 2);
      const cpuBefore = await apiCpuByPid(api, sql, store);
      const system = await measure(api.url, query, headers);
      const cpuAfter = await apiCpuByPid(api, sql, store);
      const cpuPerRequest = cpuBetween(cpuBefore, cpuAfter) / Math.max(1, system.rps * seconds);
      if (bareToo && !quick) await measure(bareApi.url, query, {}, 2);
      const bare = bareToo ? await measure(bareApi.url, query, {}) : null;
      const targeted = !name.startsWith('offset');
      const described = `${formatLoad(system)}, CPU ${cpuPerRequest.toFixed(2)} ms/request`;
      console.log(`${kind} ${name}: ${described}${bare ? ` | bare ${formatLoad(bare)}` : ''}`);
      rows.push({
        benchmark: `List at scale: ${name} (${kind})`,
        size: `${count.toLocaleString('en-US')} rows (loaded in ${loadSeconds.toFixed(0)} s), ${RATE} req/s offered, ${seconds} s, GET /api/tasks/?${query.length > 80 ? `${query.slice(0, 77)}…` : query}`,
        system: described,
        bare: bare ? formatLoad(bare) : '—',
        ratio: bare ? bare.p99 / Math.max(system.p99, 1) : '—',
        target: targeted ? `p99 ≤ ${TARGET_P99_MS} ms, 0 errors` : '—',
        holds: targeted ? system.p99 <= TARGET_P99_MS && system.errors === 0 : null,
      });
    }
    return rows;
  } finally {
    await cleanup.run();
  }
}

export async function listAtScale({ quick, kinds = ['sqlite', 'postgres'] }) {
  const settings = { quick, count: quick ? 20_000 : 1_000_000, seconds: quick ? 2 : 10 };
  const rows = [];
  for (const kind of kinds) rows.push(...(await listOn(kind, settings)));
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.find((arg) => arg.startsWith('--only='));
  const rows = await listAtScale({
    quick: process.argv.includes('--quick'),
    ...(only ? { kinds: only.slice('--only='.length).split(',') } : {}),
  });
  console.log(rows);
}
