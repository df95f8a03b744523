import { TaskType } from '../core/task-type';
import { WorkerResponse } from './worker.response';

/** A task a worker process is running, with its project so that readers can be scoped. */
export interface RunningTaskEntry {
  id: string;
  project: string;
}

/** What a worker process writes to Redis on each heartbeat. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  taskTypes: TaskType[];
  concurrency: Partial<Record<TaskType, number>>;
  running: RunningTaskEntry[];
  startedAt: string;
  lastHeartbeat: string;
}

/** The set naming every worker that registered; members whose key expired are pruned on read. */
export const workersIndexKey = (queuePrefix: string): string => `${queuePrefix}:workers`;

/** One worker's record; it expires when the worker stops beating. */
export const workerKey = (queuePrefix: string, workerId: string): string =>
  `${queuePrefix}:worker:${workerId}`;

/** Three beats per TTL, so one late beat never drops a live worker from the list. */
export const heartbeatIntervalMs = (ttlMs: number): number => Math.max(1000, Math.floor(ttlMs / 3));

/**
 * A stored record, or undefined when it is not one (written by another version, say): a reader
 * skips what it cannot show rather than failing the whole list.
 */
export function parseWorkerRecord(text: string | null): WorkerRecord | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<WorkerRecord>;
    const valid =
      typeof value.id === 'string' &&
      typeof value.host === 'string' &&
      typeof value.pid === 'number' &&
      Array.isArray(value.taskTypes) &&
      typeof value.concurrency === 'object' &&
      value.concurrency !== null &&
      Array.isArray(value.running) &&
      typeof value.startedAt === 'string' &&
      typeof value.lastHeartbeat === 'string';
    return valid ? (value as WorkerRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The record as `project` may see it: task ids of other projects stay hidden (only counted);
 * `project` undefined means every project.
 */
export function viewOfWorker(record: WorkerRecord, project: string | undefined): WorkerResponse {
  return {
    id: record.id,
    host: record.host,
    pid: record.pid,
    task_types: record.taskTypes,
    concurrency: record.concurrency,
    running_task_ids: record.running
      .filter((task) => project === undefined || task.project === project)
      .map((task) => task.id),
    running_count: record.running.length,
    started_at: record.startedAt,
    last_heartbeat: record.lastHeartbeat,
  };
}

/** Oldest process first, so the list keeps its order between polls. */
export const byStartThenId = (a: WorkerResponse, b: WorkerResponse): number =>
  a.started_at.localeCompare(b.started_at) || a.id.localeCompare(b.id);
