import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { Task } from '../database/task.entity';
import type { TaskRef } from '../database/task-store';
import { DEFAULT_PRIORITY, jobPriorityOf } from '../core/priority';
import { TaskType } from '../core/task-type';
import { TASK_QUEUES, TaskJobData } from './task-job';
import { inSpan, traceCarrier } from '../telemetry/spans';

// A submit answers within a second even while Redis is away; the dispatcher enqueues later.
const ENQUEUE_TIMEOUT_MS = 500;
/** A bulk's jobs (up to 1,000 in one MULTI) get longer than one job. */
const BULK_ENQUEUE_TIMEOUT_MS = 5_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The producer side: puts tasks on their type's queue, idempotently (jobId = task id). */
@Injectable()
export class TaskQueueService {
  private readonly logger = new Logger(TaskQueueService.name);
  constructor(
    private readonly config: AppConfig,
    @Inject(TASK_QUEUES) private readonly queues: Record<TaskType, Queue<TaskJobData>>,
  ) {}

  allQueues(): Queue<TaskJobData>[] {
    return Object.values(this.queues);
  }

  /**
   * Adds the task's job. Never waits long on Redis: when it is away the row stays PENDING and
   * the dispatcher enqueues it later. Returns whether the job was added now.
   */
  async enqueue(task: Task): Promise<boolean> {
    try {
      await inSpan(
        `enqueue ${task.taskType}`,
        { 'conveyor.task_id': task.id, 'messaging.destination.name': task.taskType },
        () => {
          // Built inside the span, so that the job carries it as the run's parent.
          const job = this.jobOf(task);
          return withTimeout(
            this.queues[task.taskType].add(job.name, job.data, job.opts),
            ENQUEUE_TIMEOUT_MS,
          );
        },
      );
      return true;
    } catch (error) {
      this.logger.warn(
        `Task ${task.id} stays PENDING until Redis answers: ${(error as Error).message}`,
      );
      return false;
    }
  }

  /**
   * Adds the jobs of many tasks with one addBulk per task type (one round trip each), on the
   * same terms as enqueue: when Redis is away the rows stay PENDING for the dispatcher.
   */
  async enqueueMany(tasks: Task[]): Promise<boolean> {
    const byType = new Map<TaskType, Task[]>();
    for (const task of tasks) {
      // Appended in place: copying the list for each task took 0.8 ms per 1,000-task bulk.
      const ofType = byType.get(task.taskType);
      if (ofType) ofType.push(task);
      else byType.set(task.taskType, [task]);
    }
    const added = await Promise.all(
      [...byType].map(async ([type, ofType]) => {
        try {
          await withTimeout(
            this.queues[type].addBulk(ofType.map((task) => this.jobOf(task))),
            BULK_ENQUEUE_TIMEOUT_MS,
          );
          return true;
        } catch (error) {
          this.logger.warn(
            `${ofType.length} ${type} tasks stay PENDING until Redis answers: ${(error as Error).message}`,
          );
          return false;
        }
      }),
    );
    return added.every(Boolean);
  }

  /**
   * A task's job: its id is the task's, so that adding it twice adds it once. The job carries
   * the task's priority (BullMQ keeps it through retries and hand-backs) and, for a SCHEDULED
   * task, waits in BullMQ's delayed set until run_at.
   */
  private jobOf(task: Task) {
    const runAt = task.status === 'SCHEDULED' ? task.runAt : null;
    const delay = runAt ? Math.max(0, runAt.getTime() - Date.now()) : 0;
    return {
      name: task.taskType,
      data: {
        taskType: task.taskType,
        params: task.inputParams,
        project: task.project,
        ...(runAt && { runAt: runAt.toISOString() }),
        ...(typeof task.timeoutSeconds === 'number' && { timeoutSeconds: task.timeoutSeconds }),
        // The submit's trace context (when tracing is on): the worker's run is its child.
        trace: traceCarrier(),
      },
      opts: {
        jobId: task.id,
        attempts: this.config.retries.attempts[task.taskType],
        backoff: { type: 'exponential', delay: this.config.retries.backoffMs },
        // A task built before priorities existed has none: it takes the default.
        priority: jobPriorityOf(task.priority ?? DEFAULT_PRIORITY),
        ...(delay > 0 && { delay }),
      },
    } satisfies { name: string; data: TaskJobData; opts: JobsOptions };
  }

  /**
   * Whether the task's job is in Redis: 'present' (waiting, active, delayed…), 'failed' (BullMQ
   * gave up on it, e.g. stalled too often), or 'missing'. Throws when Redis does not answer.
   */
  async jobState(task: Task): Promise<'present' | 'failed' | 'missing'> {
    const state = await withTimeout(
      this.queues[task.taskType].getJobState(task.id),
      ENQUEUE_TIMEOUT_MS,
    );
    if (state === 'unknown' || state === 'completed') return 'missing';
    return state === 'failed' ? 'failed' : 'present';
  }

  /**
   * The tasks among these that have no job in Redis at all, in one round trip: a job's hash
   * (which always holds `data`) outlives every state but completion (removed at once), so its
   * absence means missing. Far
   * cheaper than jobState for a backlog, whose wait list that check would scan per job.
   * Throws when Redis does not answer.
   */
  async withoutJob<T extends TaskRef>(tasks: T[]): Promise<T[]> {
    if (tasks.length === 0) return [];
    // Every queue lives in the same Redis: any queue's connection reads them all.
    const client = await withTimeout(this.queues[tasks[0].taskType].client, ENQUEUE_TIMEOUT_MS);
    // Sent back to back on one connection, so the replies come in one stream.
    const exists = await withTimeout(
      Promise.all(
        tasks.map((task) => client.hexists(this.queues[task.taskType].toKey(task.id), 'data')),
      ),
      ENQUEUE_TIMEOUT_MS,
    );
    return tasks.filter((_, i) => exists[i] === 0);
  }

  /** Removes a waiting job; an active one is left to its worker, which sees CANCELLED. */
  async remove(taskId: string, type: TaskType): Promise<void> {
    try {
      await withTimeout(this.queues[type].remove(taskId), ENQUEUE_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn(`Could not remove job ${taskId}: ${(error as Error).message}`);
    }
  }
}
