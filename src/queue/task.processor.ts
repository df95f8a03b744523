import { WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap } from '@nestjs/common';
import { TaskType } from '../database/task-type';
import { TaskRunner } from './task-runner.service';

/**
 * The shared base of the per-type processors. Workers are declared with autorun off and
 * started here, once the configured concurrency is applied.
 */
export abstract class TaskProcessor extends WorkerHost implements OnApplicationBootstrap {
  protected abstract readonly taskType: TaskType;

  protected constructor(protected readonly runner: TaskRunner) {
    super();
  }

  onApplicationBootstrap(): void {
    this.runner.start(this.worker, this.taskType);
  }
}
