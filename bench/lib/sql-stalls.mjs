// Preloaded (`node --import`) into every process a benchmark starts while BENCH_SQL_STALLS names
// a directory (see spawnNode in service.mjs): times each better-sqlite3 statement and writes, per
// process, how long it spent in SQL and how much of that off the CPU, in SQLite's busy handler
// sleeping while another connection held the write lock, or waiting on a checkpoint's fsync.
// The statements are synchronous: that time is time the process's event loop did nothing else.
// It costs about 5 µs per statement (two cpuUsage calls, each a getrusage), 1–4 % of a
// worker's CPU per task in the queue runs: its figures compare layers, they are not the rows'.
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import Database from 'better-sqlite3';

const totals = { statements: 0, sqlMs: 0, offCpuMs: 0 };

function timed(run) {
  return function timedStatement(...args) {
    const wallStart = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    try {
      return run.apply(this, args);
    } finally {
      const wallMs = Number(process.hrtime.bigint() - wallStart) / 1e6;
      const cpu = process.cpuUsage(cpuStart);
      totals.statements++;
      totals.sqlMs += wallMs;
      // cpuUsage counts every thread of the process: off-CPU time is a lower bound.
      totals.offCpuMs += Math.max(0, wallMs - (cpu.user + cpu.system) / 1000);
    }
  };
}

function install() {
  const probe = new Database(':memory:');
  const Statement = probe.prepare('SELECT 1').constructor;
  probe.close();
  for (const method of ['run', 'get', 'all'])
    Statement.prototype[method] = timed(Statement.prototype[method]);
  Database.prototype.exec = timed(Database.prototype.exec);

  const label = process.env.APP_ROLE ?? basename(process.argv[1] ?? 'node', '.mjs');
  const write = () =>
    writeFileSync(
      join(process.env.BENCH_SQL_STALLS, `${process.pid}.json`),
      JSON.stringify({ process: label, ...totals }),
    );
  // Every second as well as at exit: a process killed with SIGKILL still leaves its figures.
  setInterval(write, 1000).unref();
  process.on('exit', write);
}

// Preloads run in worker threads too; one writer per process file.
if (isMainThread) install();
