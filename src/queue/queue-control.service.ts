import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { TASK_TYPES, TaskType } from '../core/task-type';
import { TASK_QUEUES, TaskJobData } from './task-job';

/** One task type's queue as GET /api/queues shows it (§9). */
export interface QueueState {
  task_type: TaskType;
  paused: boolean;
  /** Jobs ready to start, held while the queue is paused. */
  waiting: number;
  /** Jobs whose start is delayed (BullMQ's delayed set). */
  scheduled: number;
  running: number;
  /** Worker processes connected to the queue (each runs its configured concurrency). */
  workers: number;
  /** Task starts per second across all workers; null for no limit. */
  rate_per_second: number | null;
}

/**
 * The queues of the task types as an operator sees and steers them. Pausing is BullMQ's queue
 * pause, kept in Redis: every worker stops taking new jobs of the type at once, the running
 * ones finish, and submits still add their jobs, which wait until resume.
 */
@Injectable()
export class QueueControl {
  constructor(
    private readonly config: AppConfig,
    @Inject(TASK_QUEUES) private readonly queues: Record<TaskType, Queue<TaskJobData>>,
  ) {}

  async states(): Promise<QueueState[]> {
    return Promise.all(TASK_TYPES.map((type) => this.state(type)));
  }

  async state(type: TaskType): Promise<QueueState> {
    const queue = this.queues[type];
    const [counts, paused, workers] = await Promise.all([
      queue.getJobCounts('wait', 'paused', 'prioritized', 'delayed', 'active'),
      queue.isPaused(),
      queue.getWorkersCount(),
    ]);
    return {
      task_type: type,
      paused,
      waiting: (counts.wait ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0),
      scheduled: counts.delayed ?? 0,
      running: counts.active ?? 0,
      workers,
      rate_per_second: this.config.ratePerSecond[type] ?? null,
    };
  }

  async pause(type: TaskType): Promise<QueueState> {
    await this.queues[type].pause();
    return this.state(type);
  }

  async resume(type: TaskType): Promise<QueueState> {
    await this.queues[type].resume();
    return this.state(type);
  }
}
