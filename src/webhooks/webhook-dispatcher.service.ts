import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { Task } from '../database/task.entity';
import { TaskStore } from '../database/task-store';
import { Webhook } from './webhook.entity';
import { TaskFinishedJob, WEBHOOKS_QUEUE } from './webhook-jobs';

/**
 * Hears every final status TaskStore writes, in whichever process writes it (the worker for
 * SUCCESS/FAILED, the API for a cancel, recovery for a lost task) and queues a job that fans
 * the event out to the project's webhooks and the task's callback_url. The job id is the
 * task's, so a task is announced once however often this runs. A task with no receiver (no
 * callback_url, no webhook in its project: most tasks) queues nothing: one read by key instead
 * of a job's Redis round trips and its two reads in the worker.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(
    private readonly store: TaskStore,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<TaskFinishedJob>,
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
  ) {}

  onModuleInit(): void {
    this.store.onFinished((taskId, status) => {
      void this.announce({ taskId, status });
    });
  }

  async announce(job: TaskFinishedJob): Promise<void> {
    try {
      if (!(await this.mayHaveReceivers(job.taskId))) return;
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

  /**
   * Whether the task has a callback_url or its project any webhook (the job filters by event).
   * When the read fails, the job is queued anyway: the fan-out decides there.
   */
  private async mayHaveReceivers(taskId: string): Promise<boolean> {
    try {
      const found = await this.tasks
        .createQueryBuilder('task')
        .select('1', 'found')
        .where('task.id = :taskId', { taskId })
        .andWhere((query) => {
          const hooks = query
            .subQuery()
            .select('1')
            .from(Webhook, 'hook')
            .where('hook.project = task.project')
            .getQuery();
          return `(task.callbackUrl IS NOT NULL OR EXISTS ${hooks})`;
        })
        .getRawOne<{ found: number }>();
      return found !== undefined;
    } catch {
      return true;
    }
  }
}
