import { WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { TaskType } from '../core/task-type';
import { TaskJobData } from './task-job';
import { TaskRunner } from './task-runner.service';

/**
 * The shared base of the per-type processors: each one names its type and hands its job to
 * the TaskRunner with its pure logic. Workers are declared with autorun off; WorkerLifecycle
 * starts them with the configured concurrency.
 */
export abstract class TaskProcessor extends WorkerHost {
  protected abstract readonly taskType: TaskType;

  protected constructor(protected readonly runner: TaskRunner) {
    super();
  }

  abstract override process(job: Job<TaskJobData>, token?: string): Promise<void>;
}
