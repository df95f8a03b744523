import { ServiceProcess } from './start-service';

/**
 * How many of the tasks were logged as succeeded more than once, over every process that may
 * have run them: a task's results written twice, the side effect a re-execution must not have.
 */
export function duplicateSuccesses(processes: ServiceProcess[], ids: string[]): number {
  const wanted = new Set(ids);
  const counts = new Map<string, number>();
  for (const process of processes) {
    for (const line of process.logs()) {
      const id = line.task_id;
      if (line.msg !== 'succeeded' || typeof id !== 'string' || !wanted.has(id)) continue;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return [...counts.values()].filter((count) => count > 1).length;
}
