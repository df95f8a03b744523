// Runs the e2e suites on SQLite and on PostgreSQL side by side: two jest runs at once, each
// taking its suites one at a time, so that two suites run together on a 2-core machine. The
// suites isolate themselves (Redis prefix, DATA_DIR, PostgreSQL schema, port; a redis-server of
// their own where they stop or flush Redis), so the two runs share nothing. The suites that do
// not depend on the SQL database (the browser suites, the CSV memory check) run once, in the
// SQLite pass; the suites whose processes share no DATA_DIR run on PostgreSQL only.
//
// Each run's output goes to a file; a line is printed as each suite ends, and each run's full
// output once both are over, SQLite first. Each jest run writes its totals to a summary file of
// its own (test/utils/summary-reporter.js), which is added to $CONVEYOR_TEST_SUMMARY once it
// ends, so `.ci/run` counts every run once; a run that died before its reporter wrote counts as
// one failure.
//
// Usage: npm run test:e2e [-- jest arguments, e.g. test paths]. Exits non-zero when a run failed.
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const JEST = createRequire(import.meta.url).resolve('jest/bin/jest');

/** Long fault scenarios that only `npm run test:faults` runs (see test/run-fault-suites.mjs). */
const FAULT_ONLY = ['/load\\.e2e-spec\\.ts$'];

/** Suites that do not depend on the SQL database: run once, in the SQLite pass. */
const DATABASE_FREE = ['/browser/', '/large-csv\\.e2e-spec\\.ts$'];
/** Suites whose processes share no DATA_DIR, so no SQLite file: PostgreSQL only. */
const POSTGRES_ONLY = ['/topology\\.e2e-spec\\.ts$', '/storage-s3\\.e2e-spec\\.ts$'];

// The database-free suites balance the PostgreSQL-only ones, so the two passes end together.
const PASSES = [
  { database: 'sqlite', ignore: [...FAULT_ONLY, ...POSTGRES_ONLY] },
  { database: 'postgres', ignore: [...FAULT_ONLY, ...DATABASE_FREE] },
];

const extraArgs = process.argv.slice(2);
const workDir = mkdtempSync(join(tmpdir(), 'conveyor-e2e-'));
const width = Math.max(...PASSES.map((pass) => pass.database.length));
const children = new Set();

/** Adds a run's "passed failed skipped" line to the caller's summary, if it keeps one. */
function addToSummary(summaryFile, succeeded) {
  const target = process.env.CONVEYOR_TEST_SUMMARY;
  if (!target) return;
  let totals = '';
  try {
    totals = readFileSync(summaryFile, 'utf8');
  } catch {
    // not written: jest ended before its reporter ran
  }
  if (totals === '' && !succeeded) totals = '0 1 0\n';
  appendFileSync(target, totals);
}

function runPass({ database, ignore }) {
  const logFile = join(workDir, `${database}.log`);
  const summaryFile = join(workDir, `${database}.summary`);
  const log = createWriteStream(logFile);
  const begin = Date.now();
  const child = spawn(
    process.execPath,
    [
      JEST,
      // First: jest's array options (the ignore patterns below) would swallow paths after them.
      ...extraArgs,
      '--config',
      'jest.config.js',
      // One suite at a time within a run: the other run is the second.
      '--maxWorkers=1',
      ...ignore.map((pattern) => `--testPathIgnorePatterns=${pattern}`),
      '--selectProjects',
      'e2e',
    ],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEST_DATABASE: database, CONVEYOR_TEST_SUMMARY: summaryFile },
    },
  );
  children.add(child);
  // Jest writes its results to stderr; a suite's result line starts with PASS or FAIL.
  let partial = '';
  const progress = (chunk) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (/^(PASS|FAIL) /.test(line)) console.log(`[${database.padEnd(width)}] ${line}`);
  };
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.stderr.on('data', progress);
  child.stdout.on('data', progress);
  return new Promise((resolveRun) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      addToSummary(summaryFile, code === 0);
      log.end(() =>
        resolveRun({
          database,
          status: code ?? signal,
          seconds: Math.round((Date.now() - begin) / 1000),
          output: readFileSync(logFile, 'utf8'),
        }),
      );
    }),
  );
}

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
  });

console.log(
  `e2e: ${PASSES.map((pass) => pass.database).join(' and ')} side by side; ` +
    'each run prints its full output once both are over.',
);
const runs = await Promise.all(PASSES.map(runPass));
rmSync(workDir, { recursive: true, force: true });
for (const run of runs) {
  console.log(`\n== e2e on ${run.database} (TEST_DATABASE=${run.database})\n`);
  process.stdout.write(run.output);
}
console.log('');
for (const run of runs)
  console.log(
    `e2e on ${run.database.padEnd(width)}: ${run.status === 0 ? 'passed' : `FAILED (exit ${run.status})`} in ${run.seconds} s`,
  );
process.exit(runs.every((run) => run.status === 0) ? 0 : 1);
