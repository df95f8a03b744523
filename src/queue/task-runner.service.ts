import { Injectable, Logger } from '@nestjs/common';
import { Job, WaitingError } from 'bullmq';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { isTransientSqlError } from '../database/sql-retry';
import { TaskStatus } from '../database/task-status';
import { TaskType } from '../database/task-type';
import { JsonObject } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { CancelRegistry, WorkerShutdownError } from './cancel-registry';
import { TaskContext } from './task-context';
import { TaskJobData } from './task-job';
import { TaskStateService } from './task-state.service';

export type TaskLogic<P> = (params: P, context: TaskContext) => Promise<JsonObject>;

/**
 * The highest progress written while a task runs: 100 is written only with SUCCESS, so a task
 * that fails after its last item (a CSV where nothing parsed) never shows a full bar.
 */
export const MAX_RUNNING_PROGRESS = 99;

/**
 * How often a worker refreshes the heartbeat_at of each task it runs. The beat is a column of
 * the task row, not a Redis key, because it must outlive what it guards against: a FLUSHALL
 * deletes BullMQ's job and lock keys (and would delete a heartbeat key too) while the worker
 * runs on, and the row survives it. One small UPDATE per running task every few seconds.
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * A failure that may pass (a dropped connection, an SMTP 4xx that outlasted its retries): the
 * task is tried again with exponential backoff while it has attempts left.
 */
export class TransientTaskError extends Error {
  constructor(
    message: string,
    readonly partialResult?: JsonObject,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TransientTaskError';
  }
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

// A SQL error that outlasted its own retries (sql-retry.ts) may still pass by the next attempt.
const isTransient = (error: Error): boolean =>
  error instanceof TransientTaskError ||
  TRANSIENT_CODES.has((error as { code?: string }).code ?? '') ||
  isTransientSqlError(error);

/** An error whose message is meant for the user as it is (bad data, not a bug). */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly partialResult?: JsonObject,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'TaskFailure';
  }
}

/**
 * Runs one job of any type: owns the status writes, throttled progress, cancellation and error
 * mapping, so that each processor is only the glue to its pure logic.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger(TaskRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly state: TaskStateService,
    private readonly bus: EventBus,
    private readonly cancels: CancelRegistry,
  ) {}

  async run<P>(
    job: Job<TaskJobData>,
    token: string | undefined,
    logic: TaskLogic<P>,
  ): Promise<void> {
    const taskId = job.id as string;
    const { taskType } = job.data;
    const log = (message: string): void =>
      this.logger.log({ task_id: taskId, task_type: taskType, msg: message });

    if (!(await this.state.markRunning(taskId))) {
      log('skipped: the task is no longer runnable (cancelled or finished)');
      return;
    }
    this.emit(taskId, taskType, 'status', 'RUNNING', 0);
    log('started');

    const controller = this.cancels.register(taskId);
    const progress = this.throttledProgress(taskId, taskType, controller);
    const heartbeat = setInterval(() => {
      this.state
        .beat(taskId)
        .catch((error: Error) =>
          this.logger.warn({ task_id: taskId, msg: `heartbeat not saved: ${error.message}` }),
        );
    }, HEARTBEAT_INTERVAL_MS);
    try {
      const result = await logic(job.data.params as P, {
        taskId,
        signal: controller.signal,
        onProgress: progress.report,
        workDir: join(this.config.dataDir, 'tasks', taskId),
      });
      // The SUCCESS write sets progress to 100: a held-back progress write would be wasted.
      progress.cancel();
      await progress.settled();
      if (await this.state.markSucceeded(taskId, result)) {
        this.emit(taskId, taskType, 'status', 'SUCCESS', 100);
        log('succeeded');
      }
    } catch (error) {
      await progress.flush();
      if (controller.signal.reason instanceof WorkerShutdownError && token) {
        // Back to the queue at once, for this or another worker; the row says so too.
        await this.state.markHandedBack(taskId);
        await job.moveToWait(token);
        log('handed back: the worker is shutting down');
        throw new WaitingError();
      }
      if (controller.signal.aborted) {
        log('stopped: cancelled');
        return;
      }
      const failure = error instanceof Error ? error : new Error(String(error));
      const attemptsLeft = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
      if (isTransient(failure) && attemptsLeft > 0) {
        // Back to PENDING while BullMQ holds the job for its backoff; rethrown so it retries.
        await this.state.markRetrying(
          taskId,
          `Attempt failed, ${attemptsLeft} left; retrying: ${failure.message}`,
        );
        this.emit(taskId, taskType, 'status', 'PENDING', progress.last());
        log(`will retry: ${failure.message}`);
        throw failure;
      }
      const partial =
        failure instanceof TaskFailure || failure instanceof TransientTaskError
          ? failure.partialResult
          : undefined;
      if (await this.state.markFailed(taskId, failure.message, partial)) {
        this.emit(taskId, taskType, 'status', 'FAILED', progress.last());
      }
      if (failure instanceof TaskFailure) {
        log(`failed: ${failure.message}`);
      } else {
        this.logger.error({ task_id: taskId, task_type: taskType, err: failure, msg: 'failed' });
      }
    } finally {
      clearInterval(heartbeat);
      this.cancels.unregister(taskId);
    }
  }

  /**
   * At most one progress write per PROGRESS_INTERVAL_MS per task, monotone, the first one an
   * interval after the start: a task shorter than that writes no progress at all, only its
   * status. A value held back by the interval is written when it ends, so the row never lags
   * long behind the work even when the next report is slow to come. A write that finds the row
   * no longer RUNNING aborts the work: it was cancelled.
   */
  private throttledProgress(taskId: string, taskType: TaskType, controller: AbortController) {
    let reported = 0;
    let written = 0;
    let lastWriteAt = Date.now();
    let trailing: NodeJS.Timeout | undefined;
    let pending: Promise<void> = Promise.resolve();
    const write = (): void => {
      clearTimeout(trailing);
      trailing = undefined;
      const value = Math.round(reported * 100) / 100;
      if (value <= written) return;
      written = value;
      lastWriteAt = Date.now();
      pending = pending
        .then(() => this.state.saveProgress(taskId, value))
        .then((stillRunning) => {
          if (!stillRunning) controller.abort();
          else this.emit(taskId, taskType, 'progress', 'RUNNING', value);
        })
        .catch((error: Error) =>
          this.logger.warn({ task_id: taskId, msg: `progress not saved: ${error.message}` }),
        );
    };
    return {
      report: (percent: number): void => {
        reported = Math.max(reported, Math.min(MAX_RUNNING_PROGRESS, percent));
        const wait = lastWriteAt + this.config.progressIntervalMs - Date.now();
        if (wait <= 0) write();
        else trailing ??= setTimeout(write, wait);
      },
      flush: async (): Promise<void> => {
        write();
        await pending;
      },
      /** Drops a held-back write. */
      cancel: (): void => {
        clearTimeout(trailing);
        trailing = undefined;
      },
      /** Resolves once the writes already started have ended. */
      settled: (): Promise<void> => pending,
      last: (): number => written,
    };
  }

  private emit(
    taskId: string,
    taskType: TaskType,
    type: 'status' | 'progress',
    status: TaskStatus,
    progress: number,
  ): void {
    this.bus.publish({
      type,
      task_id: taskId,
      task_type: taskType,
      status,
      progress,
      at: new Date().toISOString(),
    });
  }
}
