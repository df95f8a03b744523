// Scaling: the queue-throughput run with one and two worker processes beside one API, and
// with API and worker in one APP_ROLE=all process, on SQLite.
import { describeThroughput, systemThroughput } from './queue-throughput.mjs';

export async function scaling({ quick }) {
  const count = quick ? 150 : 20_000;
  const layouts = [
    ['1 API + 1 worker process', { workers: 1 }],
    ['1 API + 2 worker processes', { workers: 2 }],
    ['1 process, APP_ROLE=all', { allInOne: true }],
  ];
  const results = [];
  for (const [name, layout] of layouts) {
    results.push([name, await systemThroughput({ kind: 'sqlite', count, ...layout })]);
  }
  const [, baseline] = results[0];
  return results.map(([name, result]) => ({
    benchmark: `Scaling: ${name} (sqlite)`,
    size: `${count} tasks, 50 clients`,
    system: describeThroughput(result),
    bare: '—',
    // Against the one-worker layout, not against a bare library: this row is about layouts.
    ratio: result.rate / baseline.rate,
    target: '—',
    holds: null,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await scaling({ quick: process.argv.includes('--quick') }));
}
