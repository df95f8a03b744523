// CPU time of a process (user + system, every thread): wall-clock rates on a shared machine move
// with whatever else runs, CPU time per item much less, so the rows give both.
import { readFileSync } from 'node:fs';

/** /proc reports in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const MS_PER_TICK = 10;

/** CPU ms used so far by a child process (from /proc) or, without a pid, by this one. */
export function cpuMs(pid) {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  // The command name in field 2 may hold spaces; the counters follow its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** Measures the CPU the given processes use from now until the returned function is called. */
export function cpuMeter(pids) {
  const start = pids.map((pid) => cpuMs(pid));
  return () => pids.map((pid, i) => cpuMs(pid) - start[i]);
}

/**
 * The machine's CPU ticks so far, all and stolen: on a virtual machine, `steal` is the time its
 * CPUs were ready to run but the host ran something else, which slows every row of a run alike.
 */
export function machineTicks() {
  // cpu user nice system idle iowait irq softirq steal …
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9);
  const ticks = fields.map(Number);
  return { total: ticks.reduce((sum, n) => sum + n, 0), steal: ticks[7] ?? 0 };
}

/** Percent of the machine's CPU time stolen by its host between two machineTicks() readings. */
export function stolenPercent(from, to) {
  const total = to.total - from.total;
  return total > 0 ? (100 * (to.steal - from.steal)) / total : 0;
}
