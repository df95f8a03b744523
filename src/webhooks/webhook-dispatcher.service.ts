import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Queue } from 'bullmq';
import { TaskStore } from '../database/task-store';
import { TaskFinishedJob, WEBHOOKS_QUEUE } from './webhook-jobs';

/**
 * Hears every final status TaskStore writes, in whichever process writes it (the worker for
 * SUCCESS/FAILED, the API for a cancel, recovery for a lost task) and queues a job that fans
 * the event out to the project's webhooks and the task's callback_url. The job id is the
 * task's, so a task is announced once however often this runs.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    private readonly store: TaskStore,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<TaskFinishedJob>,
  ) {}

  onModuleInit(): void {
    this.store.onFinished((taskId, status) => {
      void this.announce({ taskId, status });
    });
  }

  async announce(job: TaskFinishedJob): Promise<void> {
    try {
      await this.queue.add('task-finished', job, {
        jobId: `finished-${job.taskId}`,
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { count: 1000 },
      });
    } catch (error) {
      this.logger.error({
        task_id: job.taskId,
        msg: `webhooks not queued for the task's ${job.status}: ${(error as Error).message}`,
      });
    }
  }
}
