// CPU time of a process (user + system, every thread): wall-clock rates on a shared machine move
// with whatever else runs, CPU time per item much less, so the rows give both.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const MS_PER_TICK = 10;

/** CPU ms used so far by a child process (from /proc) or, without a pid, by this one. */
export function cpuMs(pid) {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
  return cpuMsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** user + system ms from a /proc/<pid>/stat line. */
function cpuMsOfStat(stat) {
  // The command name in field 2 may hold spaces; the counters follow its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

/** CPU ms so far of each local process whose command name is `command`, by pid. */
function cpuByPidOf(command) {
  const byPid = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended while the list was read
    }
    if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(') ')) === command)
      byPid.set(pid, cpuMsOfStat(stat));
  }
  return byPid;
}

/**
 * The CPU a local server uses (every process named `command`, e.g. 'redis-server', 'postgres')
 * from now until the returned function is called; that function answers undefined when no such
 * process runs here (a remote server). A process started in between counts from zero; one that
 * ended in between is lost, so keep the connections open until the reading.
 */
export function serverCpuMeter(command) {
  const start = cpuByPidOf(command);
  return () => {
    const end = cpuByPidOf(command);
    if (end.size === 0) return undefined;
    let ms = 0;
    for (const [pid, now] of end) ms += now - (start.get(pid) ?? 0);
    return ms;
  };
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
