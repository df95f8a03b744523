import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { keepPrepared } from '../database/prepared-statements';
import { escapedColumn, escapedTable } from '../database/sql-names';
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
  private receiversQuery?: string;

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
      const found: unknown[] = await this.tasks.query(
        (this.receiversQuery ??= this.buildReceiversQuery()),
        [taskId],
      );
      return found.length > 0;
    } catch {
      return true;
    }
  }

  /**
   * The read of mayHaveReceivers, its text built once per process (and prepared on PostgreSQL):
   * it runs for every task that finishes, and building it through the query builder cost more
   * CPU than running it.
   */
  private buildReceiversQuery(): string {
    const driver = this.tasks.manager.connection.driver;
    const hooks = this.tasks.manager.getRepository(Webhook);
    const task = (property: keyof Task) => `task.${escapedColumn(this.tasks, property)}`;
    return keepPrepared(
      `SELECT 1 AS found FROM ${escapedTable(this.tasks)} task ` +
        `WHERE ${task('id')} = ${driver.createParameter('taskId', 0)} ` +
        `AND (${task('callbackUrl')} IS NOT NULL OR EXISTS (` +
        `SELECT 1 FROM ${escapedTable(hooks)} hook ` +
        `WHERE hook.${escapedColumn(hooks, 'project')} = ${task('project')}))`,
    );
  }
}
