import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { TaskRef, TaskStore } from '../database/task-store';
import { EVERY_PROJECT } from '../core/project';
import { TaskStatus } from '../core/task-status';
import { EventBus } from '../events/event-bus.service';
import { taskEvent } from '../events/task-event';
import { TaskQueueService } from './task-queue.service';
import { HEARTBEAT_INTERVAL_MS } from './task-runner.service';

/** How often the API role looks for tasks whose job is missing. */
export const RECOVERY_INTERVAL_MS = 5_000;
/**
 * How often due SCHEDULED rows are moved to PENDING: a task reads PENDING within about this
 * long of its run_at even while no worker picks its job (queue paused or busy). One indexed
 * read of (status, run_at) that finds nothing most of the time.
 */
export const PROMOTE_INTERVAL_MS = 1_000;
/** A PENDING row younger than this may still be on its way to Redis. */
const PENDING_GRACE_MS = 5_000;
/**
 * A RUNNING row is only judged once its worker has missed four heartbeats in a row, which is
 * also longer than its job's lock lasts (worker-options.ts). A job can vanish while its worker
 * still runs it (FLUSHALL deletes the job and its lock, not the worker): re-enqueued then, the
 * task would run twice at once, and two e-mail runs could both mail a recipient before either
 * wrote the ledger. The heartbeat is a column, so it survives the Redis loss it is judged after.
 */
export const HEARTBEAT_LAPSE_MS = 4 * HEARTBEAT_INTERVAL_MS;
/** Re-enqueues of a task that keeps losing its job before it is failed for good. */
export const MAX_RECOVERIES = 3;
const BATCH = 500;

/**
 * Keeps the SQL rows and the Redis jobs in step, so that nothing is lost and nothing is stuck: a
 * PENDING row without a job (Redis was down at submit, the API died after the insert, Redis lost
 * its data) is enqueued; a RUNNING row whose job is gone and whose worker's heartbeat has lapsed is
 * re-enqueued a bounded number of times, then FAILED with a message that says why. Enqueueing is
 * idempotent (jobId = id), so several API instances may run this at once. A paused queue's waiting
 * jobs are not lost ones: "missing" means the job's hash is gone, and pausing keeps every job where
 * it is. SCHEDULED rows (§9) are moved to PENDING once due, by PROMOTE_INTERVAL_MS passes (the
 * worker also does it when it picks the job); one whose delayed job is missing is enqueued again,
 * to wait out what is left of its delay.
 */
@Injectable()
export class TaskRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskRecovery.name);
  private timer?: NodeJS.Timeout;
  private promoteTimer?: NodeJS.Timeout;
  private running = false;
  private promoting = false;

  constructor(
    private readonly store: TaskStore,
    private readonly queue: TaskQueueService,
    private readonly bus: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), RECOVERY_INTERVAL_MS);
    this.timer.unref();
    this.promoteTimer = setInterval(() => void this.promoteDue(), PROMOTE_INTERVAL_MS);
    this.promoteTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    clearInterval(this.promoteTimer);
  }

  /** SCHEDULED → PENDING for every task whose run_at has come; answers how many it moved. */
  async promoteDue(now = new Date()): Promise<number> {
    if (this.promoting) return 0;
    this.promoting = true;
    try {
      let promoted = 0;
      for (const task of await this.store.scheduledDue(now, BATCH)) {
        // Conditional: a cancel or the worker's own pick-up may have been first.
        if (!(await this.store.markDue(task.id, now))) continue;
        this.bus.publish(taskEvent('status', task, 'PENDING', 0));
        promoted++;
      }
      return promoted;
    } catch (error) {
      this.logger.warn(`Scheduled task pass skipped: ${(error as Error).message}`);
      return 0;
    } finally {
      this.promoting = false;
    }
  }

  /** One pass; answers how many tasks it put back on a queue and how many it failed. */
  async sweep(): Promise<{ enqueued: number; failed: number }> {
    if (this.running) return { enqueued: 0, failed: 0 };
    this.running = true;
    try {
      await this.promoteDue();
      const enqueued = (await this.dispatchPending()) + (await this.dispatchScheduled());
      const { requeued, failed } = await this.recoverRunning();
      if (enqueued + requeued + failed > 0) {
        this.logger.warn(
          `Recovered tasks: ${enqueued} PENDING or SCHEDULED enqueued, ${requeued} RUNNING re-enqueued, ${failed} failed`,
        );
      }
      return { enqueued: enqueued + requeued, failed };
    } catch (error) {
      this.logger.warn(`Task recovery pass skipped: ${(error as Error).message}`);
      return { enqueued: 0, failed: 0 };
    } finally {
      this.running = false;
    }
  }

  private async dispatchPending(): Promise<number> {
    const pending = await this.store.pendingSince(new Date(Date.now() - PENDING_GRACE_MS), BATCH);
    return this.enqueueMissing(await this.queue.withoutJob(pending), 'PENDING');
  }

  /** SCHEDULED rows whose delayed job is gone (Redis lost it, or was away at submit). */
  private async dispatchScheduled(): Promise<number> {
    const scheduled = await this.store.scheduledSince(
      new Date(Date.now() - PENDING_GRACE_MS),
      BATCH,
    );
    return this.enqueueMissing(await this.queue.withoutJob(scheduled), 'SCHEDULED');
  }

  /** Enqueues the tasks of `missing` still in `status` now, read whole for their job. */
  private async enqueueMissing(missing: TaskRef[], status: TaskStatus): Promise<number> {
    if (missing.length === 0) return 0;
    const ids = missing.map((task) => task.id);
    const byId = new Map(
      (await this.store.findMany(ids, EVERY_PROJECT)).map((task) => [task.id, task]),
    );
    let enqueued = 0;
    // In the order found (oldest or soonest due first), which findMany does not keep.
    for (const id of ids) {
      const task = byId.get(id);
      if (task?.status === status && (await this.queue.enqueue(task))) enqueued++;
    }
    return enqueued;
  }

  private async recoverRunning(): Promise<{ requeued: number; failed: number }> {
    const lapsedBefore = new Date(Date.now() - HEARTBEAT_LAPSE_MS);
    const running = await this.store.runningWithLapsedHeartbeat(lapsedBefore, BATCH);
    let requeued = 0;
    let failed = 0;
    for (const task of running) {
      const state = await this.queue.jobState(task);
      if (state === 'present') continue;
      const reason =
        state === 'failed'
          ? 'its worker died while running it, more often than allowed'
          : 'its job vanished from Redis (a worker or Redis was lost)';
      if (state === 'missing' && task.attempts < MAX_RECOVERIES) {
        // RUNNING → PENDING is the re-delivery transition; only the winner of the race enqueues.
        // Only while the beat is still lapsed: a worker that was merely slow may have beaten.
        if (!(await this.store.markRequeued(task.id, lapsedBefore))) continue;
        this.bus.publish(taskEvent('status', task, 'PENDING', task.progress));
        if (await this.queue.enqueue(task)) requeued++;
        continue;
      }
      const message = `The task was given up after ${task.attempts} attempt(s): ${reason}. Retry it to run it again.`;
      if (await this.store.markGivenUp(task.id, message, lapsedBefore)) {
        this.bus.publish(taskEvent('status', task, 'FAILED', task.progress));
        failed++;
      }
    }
    return { requeued, failed };
  }
}
