import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TasksService } from '../tasks/tasks.service';
import { dueFiring } from './cron-schedule';
import { Schedule } from './schedule.entity';

/** Due schedules one poll takes on at most; the rest are next poll's. */
const BATCH = 100;

/**
 * Fires due schedules, in every API process (APP_ROLE api or all), every SCHEDULE_POLL_MS.
 *
 * One task per tick however many instances poll: an instance fires a tick only after moving the
 * schedule's next_run_at from that tick to the next with one conditional UPDATE (`… WHERE id = ?
 * AND next_run_at = <tick>`). The database runs such UPDATEs one after the other, so exactly one
 * of the instances that saw the tick finds it still there (1 row affected) and submits the task;
 * the others affect 0 rows and do nothing. The task is submitted after the claim has committed,
 * through the same path as POST /api/tasks/submit: should the process die in between, that one
 * tick makes no task (at most once, never twice).
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
      { nextRunAt: firing.next, lastRunAt: now },
    );
    if (claim.affected !== 1) return false;
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
      await this.schedules.update({ id: schedule.id }, { lastTaskId: task.id, lastError: null });
      this.logger.log({
        msg: `Schedule fired`,
        schedule_id: schedule.id,
        tick: firing.tick.toISOString(),
        task_id: task.id,
      });
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
    return true;
  }
}
