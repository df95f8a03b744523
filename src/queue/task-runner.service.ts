import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, WaitingError } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { TaskStatus } from '../core/task-status';
import { DEFAULT_PROJECT } from '../core/project';
import { TaskType } from '../core/task-type';
import { TaskStore } from '../database/task-store';
import { EventBus } from '../events/event-bus.service';
import { ObjectStorage } from '../storage/object-storage';
import { outboxFolder, outputFolder } from '../storage/storage-keys';
import { taskEvent } from '../events/task-event';
import { CancelRegistry } from './cancel-registry';
import { abortAfter, forcedStop } from './forced-stop';
import { ProgressThrottle } from './progress-throttle';
import { TaskContext } from './task-context';
import { TaskJobData } from './task-job';
import { TaskTimeoutError } from './task-errors';
import { outcomeOf, TaskOutcome } from './task-outcome';
import { WorkerRegistry } from '../workers/worker-registry.service';
import { ConveyorMetrics } from '../metrics/conveyor-metrics.service';
import { TaskLog, TaskLogWriter } from '../task-logs/task-log-writer.service';
import { inJobSpan } from '../telemetry/spans';

/**
 * How often a worker refreshes the heartbeat_at of each task it runs. The beat is a column of
 * the task row, not a Redis key, because it must outlive what it guards against: a FLUSHALL
 * deletes BullMQ's job and lock keys (and would delete a heartbeat key too) while the worker
 * runs on, and the row survives it. One small UPDATE per running task every few seconds.
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export type TaskHandler<P> = (params: P, context: TaskContext) => Promise<JsonObject>;

interface RunningTask {
  id: string;
  taskType: TaskType;
  project: string;
  /** False for a type that never writes output files: there is nothing to measure or remove. */
  writesFiles: boolean;
}

export interface RunOptions {
  writesFiles: boolean;
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
    private readonly store: TaskStore,
    private readonly bus: EventBus,
    private readonly cancels: CancelRegistry,
    private readonly registry: WorkerRegistry,
    private readonly storage: ObjectStorage,
    private readonly logs: TaskLogWriter,
    private readonly metrics: ConveyorMetrics,
  ) {}

  /** One run, traced as the child of the submit that queued it when tracing is on. */
  run<P>(
    job: Job<TaskJobData>,
    token: string | undefined,
    handle: TaskHandler<P>,
    options: RunOptions = { writesFiles: true },
  ): Promise<void> {
    return inJobSpan(
      `task.run ${job.data.taskType}`,
      job.data.trace,
      { 'conveyor.task_id': job.id ?? '', 'conveyor.task_type': job.data.taskType },
      () => this.runJob(job, token, handle, options),
    );
  }

  private async runJob<P>(
    job: Job<TaskJobData>,
    token: string | undefined,
    handle: TaskHandler<P>,
    options: RunOptions,
  ): Promise<void> {
    const task: RunningTask = {
      id: job.id as string,
      taskType: job.data.taskType,
      project: job.data.project ?? DEFAULT_PROJECT,
      writesFiles: options.writesFiles,
    };
    if (job.data.runAt !== undefined) {
      const runAt = Date.parse(job.data.runAt);
      // Never before run_at, whoever moved the job ahead: it goes back to wait out the rest.
      if (token && runAt > Date.now()) {
        await job.moveToDelayed(runAt, token);
        throw new DelayedError();
      }
      // SCHEDULED → PENDING on pick-up, unless the recovery pass was there first.
      if (await this.store.markDue(task.id)) this.publish(task, 'status', 'PENDING', 0);
    }
    const attempt = await this.store.markRunning(task.id);
    if (attempt === null) {
      this.log(task, 'skipped: the task is no longer runnable (cancelled or finished)');
      return;
    }
    this.publish(task, 'status', 'RUNNING', 0);
    this.log(task, 'started');
    this.registry.taskStarted({ id: task.id, project: task.project });
    const started = performance.now();
    const taskLog = this.logs.open(task, attempt);
    taskLog.line('info', `Started (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1})`);

    const controller = this.cancels.register(task.id);
    const timeoutSeconds = job.data.timeoutSeconds ?? this.config.timeouts.seconds[task.taskType];
    const stopTimer = abortAfter(
      controller,
      timeoutSeconds,
      () => new TaskTimeoutError(timeoutSeconds),
    );
    // Cancel, timeout and shutdown all abort the signal; a run still going after the grace is
    // killed (if it runs in a thread) and abandoned, so that its worker slot is free at once.
    const stop = forcedStop(controller.signal, this.config.timeouts.graceMs);
    const progress = new ProgressThrottle(this.config.progressIntervalMs, (value) =>
      this.saveProgress(task, value, controller),
    );
    const heartbeat = setInterval(() => {
      this.store
        .beat(task.id)
        .catch((error: Error) =>
          this.logger.warn({ task_id: task.id, msg: `heartbeat not saved: ${error.message}` }),
        );
    }, HEARTBEAT_INTERVAL_MS);
    try {
      const work = handle(job.data.params as P, {
        taskId: task.id,
        project: task.project,
        signal: controller.signal,
        halt: stop.halt,
        stopBy: Date.now() + timeoutSeconds * 1000 + this.config.timeouts.graceMs,
        onProgress: (percent) => progress.report(percent),
        log: (level, message) => taskLog.line(level, message),
      });
      // An abandoned run may still reject later: that is expected, not unhandled.
      work.catch(() => undefined);
      const result = await Promise.race([work, stop.abandoned]);
      // The SUCCESS write sets progress to 100: a held-back progress write would be wasted.
      progress.cancel();
      await progress.settled();
      // The log is complete before the row says SUCCESS: whoever sees the status reads it all.
      taskLog.line('info', 'Succeeded');
      await taskLog.close();
      if (await this.store.markSucceeded(task.id, result, await this.outputBytes(task))) {
        this.publish(task, 'status', 'SUCCESS', 100);
        this.log(task, 'succeeded');
        this.metrics.taskRan(task.taskType, (performance.now() - started) / 1000);
      } else {
        taskLog.line('warn', 'Not marked SUCCESS: the task was cancelled as it ended');
      }
    } catch (error) {
      await progress.flush();
      const outcome = outcomeOf(error, {
        reason: controller.signal.reason,
        aborted: controller.signal.aborted,
        canHandBack: Boolean(token),
        attemptsLeft: (job.opts.attempts ?? 1) - job.attemptsMade - 1,
      });
      this.logOutcome(taskLog, outcome);
      await taskLog.close();
      if (outcome.kind === 'fail') {
        this.metrics.taskRan(task.taskType, (performance.now() - started) / 1000);
      }
      await this.settle(outcome, task, job, token, progress.last);
    } finally {
      stopTimer();
      stop.dispose();
      await taskLog.close();
      clearInterval(heartbeat);
      this.cancels.unregister(task.id);
      this.registry.taskFinished(task.id);
    }
  }

  /** The outcome in the task's own log, in the words its user is shown. */
  private logOutcome(taskLog: TaskLog, outcome: TaskOutcome): void {
    switch (outcome.kind) {
      case 'hand-back':
        taskLog.line('warn', 'The worker is shutting down: the task goes back to the queue');
        return;
      case 'cancelled':
        taskLog.line('warn', 'Stopped: the task was cancelled');
        return;
      case 'retry':
        taskLog.line('warn', outcome.message);
        return;
      case 'fail':
        taskLog.line('error', `Failed: ${outcome.message}`);
    }
  }

  /** Writes what the outcome says; throws when BullMQ must see the job fail or wait. */
  private async settle(
    outcome: TaskOutcome,
    task: RunningTask,
    job: Job<TaskJobData>,
    token: string | undefined,
    progress: number,
  ): Promise<void> {
    switch (outcome.kind) {
      case 'hand-back':
        // Back to the queue at once, for this or another worker; the row says so too.
        await this.store.markHandedBack(task.id);
        await job.moveToWait(token);
        this.log(task, 'handed back: the worker is shutting down');
        throw new WaitingError();
      case 'cancelled': {
        const bytes = await this.outputBytes(task);
        if (bytes !== null) {
          // The task is cancelled either way; a lost count only leaves the quota lenient.
          await this.store.saveOutputBytes(task.id, bytes).catch((error: Error) =>
            this.logger.warn({
              task_id: task.id,
              msg: `output bytes not saved: ${error.message}`,
            }),
          );
        }
        this.log(task, 'stopped: cancelled');
        return;
      }
      case 'retry':
        // Back to PENDING while BullMQ holds the job for its backoff; rethrown so it retries.
        await this.store.markRetrying(task.id, outcome.message);
        this.publish(task, 'status', 'PENDING', progress);
        this.log(task, `will retry: ${outcome.error.message}`);
        throw outcome.error;
      case 'fail':
        // A timed-out run's outputs are partial: removed, not kept or counted.
        if (outcome.error instanceof TaskTimeoutError) await this.removeOutputs(task);
        if (
          await this.store.markFailed(
            task.id,
            outcome.message,
            outcome.partialResult,
            await this.outputBytes(task),
          )
        ) {
          this.publish(task, 'status', 'FAILED', progress);
        }
        if (outcome.expected) this.log(task, `failed: ${outcome.error.message}`);
        else
          this.logger.error({
            task_id: task.id,
            task_type: task.taskType,
            err: outcome.error,
            msg: 'failed',
          });
    }
  }

  /**
   * What the finished task keeps on disk, counted in QUOTA_STORAGE_BYTES; null when it wrote
   * nothing (its folders do not exist, as for CSV tasks) or when measuring failed, which must
   * not fail the task.
   */
  private async outputBytes(task: RunningTask): Promise<number | null> {
    if (!task.writesFiles) return null;
    try {
      const bytes =
        (await this.storage.usage(outputFolder(task.id))).bytes +
        (await this.storage.usage(outboxFolder(task.id))).bytes;
      return bytes > 0 ? bytes : null;
    } catch (error) {
      this.logger.warn({
        task_id: task.id,
        msg: `output bytes not measured: ${(error as Error).message}`,
      });
      return null;
    }
  }

  /** Deletes what a run wrote to its output folder; a failure here must not fail the settle. */
  private async removeOutputs(task: RunningTask): Promise<void> {
    await this.storage
      .removeFolder(outputFolder(task.id))
      .catch((error: Error) =>
        this.logger.warn({ task_id: task.id, msg: `outputs not removed: ${error.message}` }),
      );
  }

  /** One progress write; a row that is no longer RUNNING was cancelled, so the work stops. */
  private async saveProgress(
    task: RunningTask,
    value: number,
    controller: AbortController,
  ): Promise<void> {
    try {
      if (!(await this.store.saveProgress(task.id, value))) controller.abort();
      else this.publish(task, 'progress', 'RUNNING', value);
    } catch (error) {
      this.logger.warn({
        task_id: task.id,
        msg: `progress not saved: ${(error as Error).message}`,
      });
    }
  }

  private log(task: RunningTask, message: string): void {
    this.logger.log({ task_id: task.id, task_type: task.taskType, msg: message });
  }

  private publish(
    task: RunningTask,
    type: 'status' | 'progress',
    status: TaskStatus,
    progress: number,
  ): void {
    this.bus.publish(taskEvent(type, task, status, progress));
  }
}
