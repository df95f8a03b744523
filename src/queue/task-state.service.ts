import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { sourcesOf, TaskStatus } from '../database/task-status';
import { JsonObject, Task } from '../database/task.entity';

/**
 * Every status write a worker makes, each a conditional UPDATE whose WHERE clause holds the
 * allowed source statuses, so a CANCELLED row is never overwritten whatever the race.
 */
@Injectable()
export class TaskStateService {
  constructor(@InjectRepository(Task) private readonly tasks: Repository<Task>) {}

  /** PENDING (or re-delivered RUNNING) → RUNNING; false when the task is no longer runnable. */
  async markRunning(taskId: string): Promise<boolean> {
    const result = await this.tasks
      .createQueryBuilder()
      .update(Task)
      .set({
        status: 'RUNNING',
        startedAt: () => 'COALESCE(started_at, :now)',
        attempts: () => 'attempts + 1',
      })
      .setParameter('now', new Date())
      .where({ id: taskId, status: In(['PENDING', 'RUNNING'] satisfies TaskStatus[]) })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Writes progress; false when the row is no longer RUNNING (cancelled meanwhile). */
  async saveProgress(taskId: string, progress: number): Promise<boolean> {
    const result = await this.tasks.update({ id: taskId, status: 'RUNNING' }, { progress });
    return (result.affected ?? 0) > 0;
  }

  /** RUNNING → PENDING when a stopping worker gives its job back to the queue. */
  async markHandedBack(taskId: string): Promise<boolean> {
    const result = await this.tasks.update(
      { id: taskId, status: 'RUNNING' },
      { status: 'PENDING' },
    );
    return (result.affected ?? 0) > 0;
  }

  /** RUNNING → PENDING while a transient failure waits out its backoff; the message says why. */
  async markRetrying(taskId: string, errorMessage: string): Promise<boolean> {
    const result = await this.tasks.update(
      { id: taskId, status: 'RUNNING' },
      { status: 'PENDING', errorMessage },
    );
    return (result.affected ?? 0) > 0;
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
    const result = await this.tasks.update(
      { id: taskId, status: In(sourcesOf(status)) },
      // TypeORM's deep-partial type cannot express free-form JSON columns.
      { ...fields, status, completedAt: new Date() } as QueryDeepPartialEntity<Task>,
    );
    return (result.affected ?? 0) > 0;
  }
}
