import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, LessThanOrEqual, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TaskStore } from '../database/task-store';
import { TasksService } from '../tasks/tasks.service';
import { dueFiring } from './cron-schedule';
import { Schedule } from './schedule.entity';

/** Due schedules one poll takes on at most; the rest are next poll's. */
const BATCH = 100;

/**
 * How long a claimed tick may wait for its task before the claim is taken to be lost. Far
 * longer than a submit takes, SQL retries included, so a live instance is never second-guessed.
 */
const UNCONFIRMED_CLAIM_MS = 2 * 60_000;

/**
 * Fires due schedules, in every API process (APP_ROLE api or all), every SCHEDULE_POLL_MS.
 *
 * One task per tick however many instances poll: an instance fires a tick only after moving the
 * schedule's next_run_at from that tick to the next with one conditional UPDATE (`… WHERE id = ?
 * AND next_run_at = <tick>`). The database runs such UPDATEs one after the other, so exactly one
 * of the instances that saw the tick finds it still there (1 row affected) and submits the task;
 * the others affect 0 rows and do nothing. The task is submitted after the claim has committed,
 * through the same path as POST /api/tasks/submit, and then confirmed on the schedule
 * (last_task_id, or last_error when the submit was refused). A claim still unconfirmed after
 * UNCONFIRMED_CLAIM_MS means its instance died in between: any instance then links the task the
 * tick made, or, when there is none, claims the tick again (the same conditional UPDATE, on
 * last_run_at) and submits it. So a tick makes its task once, even across a crash.
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleTicker.name);
  private timer?: NodeJS.Timeout;
  private polling: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    @InjectRepository(Schedule) private readonly schedules: Repository<Schedule>,
    private readonly tasks: TasksService,
    private readonly store: TaskStore,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // At once: a tick missed while everything was down fires now (once), not a poll later.
    this.next(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
  }

  private next(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().then(
        () => this.next(this.config.schedulePollMs),
        () => this.next(this.config.schedulePollMs),
      );
    }, delayMs);
    this.timer.unref();
  }

  /** Fires every schedule due at `now`; answers how many ticks this instance fired. */
  async poll(now = new Date()): Promise<number> {
    let fired = 0;
    try {
      const due = await this.schedules.find({
        where: { nextRunAt: LessThanOrEqual(now) },
        order: { nextRunAt: 'ASC', id: 'ASC' },
        take: BATCH,
      });
      for (const schedule of due) {
        if (this.stopped) break;
        if (await this.fire(schedule, now)) fired += 1;
      }
      await this.recoverUnconfirmed(now);
    } catch (error) {
      // The ticks stay due: the next poll tries again.
      this.logger.warn(`Schedule poll failed: ${(error as Error).message}`);
    }
    return fired;
  }

  /** Claims the schedule's tick and, if this instance won it, submits its task. */
  private async fire(schedule: Schedule, now: Date): Promise<boolean> {
    const firing = dueFiring(schedule, now);
    if (!firing) return false;
    const claim = await this.schedules.update(
      { id: schedule.id, nextRunAt: firing.tick },
      { nextRunAt: firing.next, lastRunAt: now, lastTaskId: null, lastError: null },
    );
    if (claim.affected !== 1) return false;
    if (this.config.testFault === 'exit-after-schedule-claim') process.kill(process.pid, 'SIGKILL');
    await this.submitTick(schedule, firing.tick.toISOString());
    return true;
  }

  /**
   * Ticks claimed by an instance that died before confirming them: each gets the task it made,
   * or, when it made none, is claimed again by one instance and submitted.
   */
  private async recoverUnconfirmed(now: Date): Promise<void> {
    const lost = await this.schedules.find({
      where: {
        lastRunAt: LessThanOrEqual(new Date(now.getTime() - UNCONFIRMED_CLAIM_MS)),
        lastTaskId: IsNull(),
        lastError: IsNull(),
      },
      order: { lastRunAt: 'ASC', id: 'ASC' },
      take: BATCH,
    });
    for (const schedule of lost) {
      if (this.stopped) break;
      const claimedAt = schedule.lastRunAt as Date;
      const unconfirmed = { id: schedule.id, lastRunAt: claimedAt, lastTaskId: IsNull() };
      const made = await this.store.madeBySchedule(schedule.id, claimedAt);
      if (made) {
        await this.schedules.update(unconfirmed, { lastTaskId: made });
        continue;
      }
      const reclaim = await this.schedules.update(
        { ...unconfirmed, lastError: IsNull() },
        { lastRunAt: now },
      );
      if (reclaim.affected !== 1) continue;
      this.logger.warn({
        msg: 'Schedule tick recovered: the instance that claimed it stopped before making its task',
        schedule_id: schedule.id,
        claimed_at: claimedAt.toISOString(),
      });
      await this.submitTick(schedule, claimedAt.toISOString());
    }
  }

  /** Submits a claimed tick's task and confirms it on the schedule, or records why it made none. */
  private async submitTick(schedule: Schedule, tick: string): Promise<void> {
    try {
      const task = await this.tasks.submit(
        {
          task_type: schedule.taskType,
          input_params: schedule.inputParams,
          priority: schedule.priority,
          timeout_seconds: schedule.timeoutSeconds ?? undefined,
        },
        schedule.project,
        { scheduleId: schedule.id },
      );
      if (this.config.testFault === 'exit-after-schedule-submit') {
        process.kill(process.pid, 'SIGKILL');
      }
      await this.schedules.update({ id: schedule.id }, { lastTaskId: task.id, lastError: null });
      this.logger.log({ msg: `Schedule fired`, schedule_id: schedule.id, tick, task_id: task.id });
    } catch (error) {
      // Refused as a submit would be (a quota reached, a file gone): kept for the dashboard.
      const message = (error as Error).message.slice(0, 1000);
      this.logger.warn({
        msg: `Schedule fired but made no task: ${message}`,
        schedule_id: schedule.id,
      });
      await this.schedules
        .update({ id: schedule.id }, { lastTaskId: null, lastError: message })
        .catch(() => undefined);
    }
  }
}
