// Runs every benchmark (or those named by --only=a,b) and writes bench/RESULTS.md: the machine,
// Node, the commit, the date, one table row per measurement and the commands that made it.
// --quick uses small sizes so that CI can prove in under two minutes that the suite still runs.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import prettier from 'prettier';
import { bulkSubmit } from './bulk-submit.mjs';
import { csv } from './csv.mjs';
import { email } from './email.mjs';
import { images } from './images.mjs';
import { killable } from './killable.mjs';
import { machineTicks, stolenPercent } from './lib/cpu.mjs';
import { Cleanup, PROJECT_ROOT } from './lib/service.mjs';
import { startTaskService } from './lib/task-service.mjs';
import { listAtScale } from './list-at-scale.mjs';
import { memory } from './memory.mjs';
import { queueThroughput } from './queue-throughput.mjs';
import { scaling } from './scaling.mjs';
import { submitAuth } from './submit-auth.mjs';
import { submitLatency } from './submit-latency.mjs';

const BENCHMARKS = {
  'queue-throughput': queueThroughput,
  'submit-latency': submitLatency,
  'submit-auth': submitAuth,
  'bulk-submit': bulkSubmit,
  'list-at-scale': listAtScale,
  csv,
  images,
  email,
  scaling,
  killable,
  memory,
};

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((arg) => arg.startsWith('--only='));
// --output=<file> keeps a partial run (some benchmarks at full size) beside the complete one.
const outputArg = process.argv.find((arg) => arg.startsWith('--output='));
const output = outputArg ? outputArg.slice('--output='.length) : join('bench', 'RESULTS.md');
const selected = onlyArg ? onlyArg.slice('--only='.length).split(',') : Object.keys(BENCHMARKS);
for (const name of selected) {
  if (!BENCHMARKS[name])
    throw new Error(`unknown benchmark "${name}"; known: ${Object.keys(BENCHMARKS).join(', ')}`);
}

function machine() {
  const cpuModel =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model;
  const nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  const git = (...args) =>
    execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', 'src', 'bench')
    ? ' (with uncommitted changes)'
    : '';
  return {
    nproc,
    cpuModel,
    memoryGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty}`,
  };
}

const cell = (value) => String(value).replace(/\|/g, '\\|');
const verdict = (holds) => (holds === null ? '—' : holds ? 'yes' : '**no**');

function table(rows) {
  const lines = [
    '| benchmark | size | Conveyor | bare library | ratio | target | holds |',
    '| --- | --- | --- | --- | ---: | --- | --- |',
  ];
  for (const row of rows) {
    // No finite ratio when a side completed no request at all.
    const ratio =
      typeof row.ratio !== 'number'
        ? row.ratio
        : Number.isFinite(row.ratio)
          ? row.ratio.toFixed(2)
          : 'n/a';
    lines.push(
      `| ${[row.benchmark, row.size, row.system, row.bare, ratio, row.target, verdict(row.holds)].map(cell).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** The task benchmarks share one API and worker: the worker's peak RSS is read right after CSV. */
const TASK_BENCHMARKS = new Set(['csv', 'images', 'email']);
let taskService = null;
const taskServiceCleanup = new Cleanup();

const started = new Date();
const loadBefore = loadavg()[0].toFixed(1);
const ticksBefore = machineTicks();
const rows = [];
const timings = [];
let failures = 0;
for (const name of selected) {
  const begin = performance.now();
  const ticksAtBegin = machineTicks();
  console.log(`▶ ${name}${quick ? ' (quick)' : ''}`);
  try {
    let shared;
    if (TASK_BENCHMARKS.has(name)) {
      taskService ??= startTaskService(taskServiceCleanup);
      shared = await taskService;
    }
    const result = await BENCHMARKS[name]({ quick, shared });
    rows.push(...result);
    for (const row of result)
      console.log(
        `  ${row.benchmark}: ${row.system} | bare ${row.bare} | ratio ${typeof row.ratio === 'number' ? row.ratio.toFixed(2) : row.ratio}`,
      );
  } catch (error) {
    failures++;
    console.error(`  ${name} failed: ${error.stack ?? error}`);
    rows.push({
      benchmark: name,
      size: '—',
      system: `failed: ${error.message.split('\n')[0]}`,
      bare: '—',
      ratio: '—',
      target: '—',
      holds: false,
    });
  }
  const stolen = stolenPercent(ticksAtBegin, machineTicks());
  timings.push(
    `${name} ${((performance.now() - begin) / 1000).toFixed(0)} s (${stolen.toFixed(0)} % stolen)`,
  );
}
await taskServiceCleanup.run();
const totalSeconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);

const m = machine();
const command = quick ? 'npm run bench:quick' : 'npm run bench';
const only = [onlyArg, outputArg].filter(Boolean).join(' ');
const extra = only ? ` -- ${only}` : '';
const report = `# Benchmark results

${quick ? 'Quick run (small sizes: it proves the suite runs; its numbers are noisy).' : 'Full run.'} Generated by \`${command}${extra}\`; do not edit by hand.

- Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGb} GiB memory
- Node ${m.node}; commit ${m.commit}; ${started.toISOString()}
- Total ${totalSeconds} s: ${timings.join(', ')}
- Load average (1 min) ${loadBefore} at the start, ${loadavg()[0].toFixed(1)} at the end
- CPU time stolen by the host (\`steal\` in /proc/stat: the CPUs were ready, the host ran something else): ${stolenPercent(ticksBefore, machineTicks()).toFixed(1)} % over the run; per benchmark in the line above

Ratios are Conveyor ÷ bare library, both measured in this one run on the same data; for the
scaling rows, the layout ÷ one API with one worker. The machine may be shared, so compare ratios
rather than absolute numbers across runs.

${table(rows)}

## Commands

\`\`\`bash
npm run build            # bench:quick runs against the existing dist/
${command}${extra}
\`\`\`

Each benchmark also runs alone: \`node bench/<name>.mjs${quick ? ' --quick' : ''}\`, with <name> one of
${Object.keys(BENCHMARKS)
  .map((name) => `\`${name}\``)
  .join(', ')}.
`;
// Formatted as `prettier --check` expects, so that a committed result passes the lint.
const outputPath = resolve(PROJECT_ROOT, output);
const prettierOptions = (await prettier.resolveConfig(outputPath)) ?? {};
writeFileSync(
  outputPath,
  await prettier.format(report, { ...prettierOptions, filepath: outputPath }),
);
console.log(
  `\n${output} written (${totalSeconds} s)${failures ? `; ${failures} benchmark(s) failed` : ''}`,
);
process.exit(failures ? 1 : 0);
