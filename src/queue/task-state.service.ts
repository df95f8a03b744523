import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, UpdateResult } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppConfig } from '../config/app-config';
import { withSqlRetry } from '../database/sql-retry';
import { sourcesOf, TaskStatus } from '../database/task-status';
import { JsonObject, Task } from '../database/task.entity';

/**
 * Every status write a worker makes, each a conditional UPDATE whose WHERE clause holds the
 * allowed source statuses, so a CANCELLED row is never overwritten whatever the race. Each write
 * is retried through a busy database or a dropped connection, so none is lost to them.
 */
@Injectable()
export class TaskStateService {
  private readonly logger = new Logger(TaskStateService.name);

  constructor(
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    private readonly config: AppConfig,
  ) {}

  /** PENDING (or re-delivered RUNNING) → RUNNING; false when the task is no longer runnable. */
  async markRunning(taskId: string): Promise<boolean> {
    return this.write('mark task RUNNING', taskId, () =>
      this.tasks
        .createQueryBuilder()
        .update(Task)
        .set({
          status: 'RUNNING',
          startedAt: () => 'COALESCE(started_at, :now)',
          heartbeatAt: () => ':now',
          attempts: () => 'attempts + 1',
        })
        .setParameter('now', new Date())
        .where({ id: taskId, status: In(['PENDING', 'RUNNING'] satisfies TaskStatus[]) })
        .execute(),
    );
  }

  /** Writes progress; false when the row is no longer RUNNING (cancelled meanwhile). */
  async saveProgress(taskId: string, progress: number): Promise<boolean> {
    return this.write('save progress', taskId, () =>
      this.tasks.update({ id: taskId, status: 'RUNNING' }, { progress }),
    );
  }

  /**
   * Shows that the worker running the task is alive (TaskRecovery reads it). Not retried: a
   * beat lost to a busy database is followed by the next one, well before the beat lapses.
   */
  async beat(taskId: string): Promise<void> {
    await this.tasks.update({ id: taskId, status: 'RUNNING' }, { heartbeatAt: new Date() });
  }

  /** RUNNING → PENDING when a stopping worker gives its job back to the queue. */
  async markHandedBack(taskId: string): Promise<boolean> {
    return this.write(
      'mark task handed back',
      taskId,
      () => this.tasks.update({ id: taskId, status: 'RUNNING' }, { status: 'PENDING' }),
      'PENDING',
    );
  }

  /** RUNNING → PENDING while a transient failure waits out its backoff; the message says why. */
  async markRetrying(taskId: string, errorMessage: string): Promise<boolean> {
    return this.write(
      'mark task retrying',
      taskId,
      () =>
        this.tasks.update({ id: taskId, status: 'RUNNING' }, { status: 'PENDING', errorMessage }),
      'PENDING',
    );
  }

  /** The tasks this one was retried from, nearest first (retry_of, then its retry_of…). */
  async originalsOf(taskId: string): Promise<string[]> {
    const originals: string[] = [];
    let current = await this.tasks.findOne({
      select: { id: true, retryOf: true },
      where: { id: taskId },
    });
    while (current?.retryOf && originals.length < 100 && !originals.includes(current.retryOf)) {
      originals.push(current.retryOf);
      current = await this.tasks.findOne({
        select: { id: true, retryOf: true },
        where: { id: current.retryOf },
      });
    }
    return originals;
  }

  async markSucceeded(taskId: string, resultData: JsonObject): Promise<boolean> {
    return this.finish(taskId, 'SUCCESS', { progress: 100, resultData, errorMessage: null });
  }

  /** Leaves progress where the work had brought it: a failure midway shows how far it got. */
  async markFailed(
    taskId: string,
    errorMessage: string,
    resultData?: JsonObject,
  ): Promise<boolean> {
    return this.finish(taskId, 'FAILED', { errorMessage, resultData: resultData ?? null });
  }

  private async finish(
    taskId: string,
    status: 'SUCCESS' | 'FAILED',
    fields: Partial<Pick<Task, 'progress' | 'resultData' | 'errorMessage'>>,
  ): Promise<boolean> {
    return this.write(
      `mark task ${status}`,
      taskId,
      () =>
        this.tasks.update(
          { id: taskId, status: In(sourcesOf(status)) },
          // TypeORM's deep-partial type cannot express free-form JSON columns.
          { ...fields, status, completedAt: new Date() } as QueryDeepPartialEntity<Task>,
        ),
      status,
    );
  }

  /**
   * Runs one conditional UPDATE with retries; true when it changed the row. A connection can
   * drop after the server committed but before the answer arrived: when a retry then matches
   * no row and the row already holds `landed`, the earlier try is what wrote it.
   */
  private async write(
    what: string,
    taskId: string,
    update: () => Promise<UpdateResult>,
    landed?: TaskStatus,
  ): Promise<boolean> {
    return withSqlRetry(
      async (attempt) => {
        if ((await update()).affected) return true;
        if (attempt === 1 || !landed) return false;
        const row = await this.tasks.findOne({ select: { status: true }, where: { id: taskId } });
        return row?.status === landed;
      },
      { what, policy: this.config.sqlRetry, logger: this.logger, context: { task_id: taskId } },
    );
  }
}
