import { WorkerHost } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { JsonObject } from '../core/json';
import { TaskContext } from './task-context';
import { TaskJobData } from './task-job';
import { TaskRunner } from './task-runner.service';

/**
 * The base of the per-type processors, a template method: the TaskRunner owns the status
 * writes, progress, cancellation and errors around `handle`, which each type implements with
 * its resolved params. Workers are declared with autorun off; WorkerLifecycle starts them with
 * the configured concurrency.
 */
export abstract class TaskProcessor<P> extends WorkerHost {
  // Injected by property so that each processor's constructor lists only its own needs.
  @Inject(TaskRunner) private readonly runner!: TaskRunner;
  /**
   * Whether a run may leave files in its output or outbox folder, counted in its storage
   * quota; a type that never does spares each run measuring two folders that do not exist.
   */
  protected readonly writesFiles: boolean = true;

  async process(job: Job<TaskJobData>, token?: string): Promise<void> {
    await this.runner.run<P>(job, token, (params, context) => this.handle(params, context), {
      writesFiles: this.writesFiles,
    });
  }

  protected abstract handle(params: P, context: TaskContext): Promise<JsonObject>;
}
