import { Gauge, Registry } from 'prom-client';
import { TASK_STATUSES, TaskStatus } from '../core/task-status';
import { TASK_TYPES, TaskType } from '../core/task-type';
import { MetricSnapshot } from './merge-metrics';

/** What the scraped API instance reads for the fleet-wide gauges; a part that failed is absent. */
export interface FleetReadings {
  taskCounts?: { taskType: TaskType; status: TaskStatus; count: number }[];
  waiting?: Partial<Record<TaskType, number>>;
  /** The task types of each live worker process. */
  workers?: TaskType[][];
}

/**
 * The gauges of the whole fleet, with no `process` label: read on scrape from SQL (the
 * task_counts counters), BullMQ and the worker registry. Every type (and status) is listed,
 * with 0 where there is none, so a dashboard's series do not come and go.
 */
export async function fleetGauges(readings: FleetReadings): Promise<MetricSnapshot> {
  const registry = new Registry();
  const registers = [registry];
  if (readings.taskCounts) {
    const gauge = new Gauge({
      name: 'conveyor_tasks',
      help: 'Tasks of every project by type and status, from the database',
      labelNames: ['task_type', 'status'],
      registers,
    });
    for (const type of TASK_TYPES)
      for (const status of TASK_STATUSES) gauge.set({ task_type: type, status }, 0);
    for (const row of readings.taskCounts) {
      gauge.inc({ task_type: row.taskType, status: row.status }, row.count);
    }
  }
  if (readings.waiting) {
    const gauge = new Gauge({
      name: 'conveyor_queue_waiting',
      help: 'Jobs waiting in the queue of each task type (paused and prioritised included)',
      labelNames: ['task_type'],
      registers,
    });
    for (const type of TASK_TYPES) gauge.set({ task_type: type }, readings.waiting[type] ?? 0);
  }
  if (readings.workers) {
    const gauge = new Gauge({
      name: 'conveyor_workers',
      help: 'Live worker processes that run each task type',
      labelNames: ['task_type'],
      registers,
    });
    for (const type of TASK_TYPES) {
      gauge.set(
        { task_type: type },
        readings.workers.filter((types) => types.includes(type)).length,
      );
    }
  }
  return registry.getMetricsAsJSON();
}
