import type { WorkerOptions } from 'bullmq';

type SharedWorkerOptions = Omit<WorkerOptions, 'connection'>;

/**
 * Stalled-job settings for every queue. A job's lock lasts 15 s and is renewed every 7.5 s, so
 * an event loop may block for seconds without the job being taken away; a worker that died
 * (SIGKILL, lost machine) has its jobs re-delivered 15–20 s later by the stalled check that
 * every worker runs each 5 s. A job re-delivered more than twice is failed for good: a task
 * that keeps killing its worker must not loop. Concurrency comes from the config at start.
 */
export const WORKER_OPTIONS: SharedWorkerOptions = {
  autorun: false,
  lockDuration: 15_000,
  stalledInterval: 5_000,
  maxStalledCount: 2,
};
