// Runs the fault-injection suites at full size (FAULT_SCALE=full, see test/utils/fault-scale.ts)
// on SQLite, then on PostgreSQL, collects the row each scenario records
// (test/utils/fault-report.ts), and writes docs/RELIABILITY.md with the machine, Node, commit and
// date, and the same table into README.md between its reliability markers. One database after
// the other, never side by side: the figures (load throughput, recovery times) are measured.
// Usage: npm run test:faults (builds first). Exits non-zero when any suite failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATABASES = ['sqlite', 'postgres'];
/**
 * The suites that record rows. `test/load` runs only here; `npm test` runs the others too, the
 * ones with a FAULT_SCALE at a smaller size (test/run-e2e.mjs).
 */
const SUITES = [
  { path: 'test/worker-crashes', databases: DATABASES },
  { path: 'test/recovery', databases: DATABASES },
  { path: 'test/email', databases: DATABASES },
  { path: 'test/shutdown', databases: DATABASES },
  { path: 'test/bad-input', databases: DATABASES },
  { path: 'test/sql-faults', databases: DATABASES },
  { path: 'test/load', databases: DATABASES },
  // Memory does not depend on the SQL database.
  { path: 'test/large-csv', databases: ['sqlite'] },
  // API and worker with no shared DATA_DIR (so PostgreSQL): a 1 GB CSV through the bucket.
  { path: 'test/storage-s3', databases: ['postgres'] },
  { path: 'test/abuse-requests', databases: DATABASES },
  { path: 'test/abuse-work', databases: DATABASES },
  { path: 'test/abuse-rate', databases: DATABASES },
  { path: 'test/redis-cluster', databases: DATABASES },
  { path: 'test/redis-sentinel', databases: DATABASES },
  // Several processes with no shared DATA_DIR need a database server: PostgreSQL only.
  { path: 'test/topology', databases: ['postgres'] },
];
/** The table's row order: each scenario is found by how its name starts. */
const ORDER = [
  '500 tasks',
  'Redis stopped',
  'Redis FLUSHALL mid-run',
  'Redis FLUSHALL during',
  'Redis Cluster master',
  'Redis Sentinel master',
  'API SIGKILLed',
  'E-mail batch',
  'SIGTERM during a long',
  'SIGTERM during a short',
  'Bad input',
  'PostgreSQL sessions',
  'SQLite write lock',
  'Load',
  'CSV upload of',
  'S3: CSV upload of',
  'Abuse',
  'Topology',
];
const README_START = '<!-- reliability-table:start -->';
const README_END = '<!-- reliability-table:end -->';

const git = (...args) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();

function machine() {
  let cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: keep what Node reports
  }
  const dirty = git('status', '--porcelain', '--', 'src', 'test')
    ? ' (with uncommitted changes)'
    : '';
  return {
    cpus: cpus().length,
    cpuModel,
    memoryGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty}`,
  };
}

const started = new Date();
// Taken before the run, so that commits made while it runs are not credited with its results.
const m = machine();
const workDir = mkdtempSync(join(tmpdir(), 'conveyor-faults-'));
const reportFile = join(workDir, 'rows.jsonl');
writeFileSync(reportFile, '');
const runs = [];
for (const database of DATABASES) {
  const begin = Date.now();
  const jest = spawnSync(
    'npx',
    [
      'jest',
      '--config',
      'jest.config.js',
      ...SUITES.filter((suite) => suite.databases.includes(database)).map((suite) => suite.path),
      '--selectProjects',
      'e2e',
    ],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      env: {
        ...process.env,
        TEST_DATABASE: database,
        FAULT_SCALE: 'full',
        CONVEYOR_FAULT_REPORT: reportFile,
      },
    },
  );
  runs.push({ database, status: jest.status, seconds: Math.round((Date.now() - begin) / 1000) });
}

const rows = readFileSync(reportFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
rmSync(workDir, { recursive: true, force: true });
const rank = (row) => {
  const index = ORDER.findIndex((prefix) => row.scenario.startsWith(prefix));
  return index === -1 ? ORDER.length : index;
};
rows.sort(
  (a, b) => rank(a) - rank(b) || DATABASES.indexOf(a.database) - DATABASES.indexOf(b.database),
);

const cell = (value) =>
  value === null || value === undefined ? '–' : String(value).replace(/\|/g, '\\|');
const seconds = (ms) => (ms === null || ms === undefined ? null : `${(ms / 1000).toFixed(1)} s`);
const table = [
  '| scenario | database | tasks | lost | stuck | duplicated side effects | re-executions | time to recover | notes |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ...rows.map(
    (row) =>
      `| ${[
        row.scenario,
        row.database,
        row.tasks,
        row.lost,
        row.stuck,
        row.duplicated,
        row.reExecutions,
        seconds(row.recoveryMs),
        row.notes,
      ]
        .map(cell)
        .join(' | ')} |`,
  ),
].join('\n');

const passed = runs.every((run) => run.status === 0);
const runLines = runs
  .map(
    (run) =>
      `- ${run.database}: jest ${run.status === 0 ? 'passed' : `**failed** (exit ${run.status})`} in ${run.seconds} s`,
  )
  .join('\n');
const missing = DATABASES.flatMap((database) =>
  ORDER.filter(
    (prefix) =>
      !rows.some((row) => row.database === database && row.scenario.startsWith(prefix)) &&
      !(prefix === 'PostgreSQL sessions' && database === 'sqlite') &&
      !(prefix === 'SQLite write lock' && database === 'postgres') &&
      !(prefix === 'CSV upload of' && database === 'postgres') &&
      !(prefix === 'S3: CSV upload of' && database === 'sqlite') &&
      !(prefix === 'Topology' && database === 'sqlite'),
  ).map((prefix) => `${prefix}… on ${database}`),
);

const report = `# Reliability: fault-injection results

Generated by \`npm run test:faults\`; do not edit by hand. Every figure is counted by the test
from what it observed: task rows read from SQL, mails counted by the test SMTP server, success
lines in the workers' logs, and the test's own clock.

- Machine: ${m.cpus} CPUs, ${m.cpuModel}, ${m.memoryGb} GiB memory (shared: times are not targets)
- Node ${m.node}; commit ${m.commit}; ${started.toISOString()}
${runLines}
${missing.length > 0 ? `- **No row** (the suite failed before recording it): ${missing.join(', ')}\n` : ''}
${table}

- **lost**: accepted tasks with no row in SQL. **stuck**: not finished by the suite's deadline.
- **duplicated side effects**: mails a recipient received more than once; for the other
  scenarios, tasks logged as succeeded more than once (results written twice).
- **re-executions**: runs beyond the first, the sum of \`attempts − 1\` over the tasks.
- **time to recover**: from the end of the fault (Redis back, last kill, lock released, load
  over) to the last task finished.
- **Abuse** rows: one client's hostile requests or costly work (\`test/abuse-*.e2e-spec.ts\`); tasks =
  requests sent, and the notes give the limit, the answer, and the slowest \`/api/health\`
  answer to another client while the attack ran.

Suites: ${SUITES.map((suite) => `\`${suite.path}.e2e-spec.ts\``).join(', ')}, each run with
\`TEST_DATABASE=sqlite\` and then \`TEST_DATABASE=postgres\` (the CSV memory check on SQLite
only: memory does not depend on the database; the topology of several API and worker processes
with a Redis Cluster and S3 on PostgreSQL only: it shares no DATA_DIR), at full size (\`FAULT_SCALE=full\`). The SQL fault
scenario differs per database: PostgreSQL sessions killed with \`pg_terminate_backend\` while
writes wait on a table lock, or a SQLite write lock held by another connection past a short busy
timeout. \`npm test\` runs these suites too, except the load test, with fewer tasks and kills
and a smaller CSV; they print their rows as \`[fault]\` lines.
`;
writeFileSync(join(PROJECT_ROOT, 'docs', 'RELIABILITY.md'), report);

const readmePath = join(PROJECT_ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const start = readme.indexOf(README_START);
const end = readme.indexOf(README_END);
if (start !== -1 && end > start) {
  const section = `${README_START}\n\nLatest run: ${started.toISOString().slice(0, 10)}, commit ${m.commit}, ${m.cpus} CPUs, Node ${m.node}; ${passed ? 'every suite passed' : '**some suites failed**'} ([docs/RELIABILITY.md](docs/RELIABILITY.md)).\n\n${table}\n\n`;
  writeFileSync(readmePath, readme.slice(0, start) + section + readme.slice(end));
}
// The project's Prettier check covers Markdown: align the tables as it would.
execFileSync('npx', ['prettier', '--write', 'docs/RELIABILITY.md', 'README.md'], {
  cwd: PROJECT_ROOT,
  stdio: 'ignore',
});
console.log(`\n${table}\n\nWrote docs/RELIABILITY.md${start !== -1 ? ' and README.md' : ''}.`);
process.exit(passed ? 0 : 1);
