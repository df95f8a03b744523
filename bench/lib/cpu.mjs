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
