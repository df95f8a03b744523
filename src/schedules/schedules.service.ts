import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { ProjectScope } from '../core/project';
import { normaliseId } from '../core/resource-id';
import { isTaskType, TASK_TYPES } from '../core/task-type';
import { ValidationProblem } from '../core/validation-problem';
import { FilesService } from '../files/files.service';
import { RequestValidationError } from '../http/domain-error';
import { LimitExceededError } from '../limits/limit-errors';
import { mailPolicyOf } from '../task-types/email/mail-policy';
import { PARAMS_BY_TYPE, SubmitPolicy } from '../task-types/params';
import { validateTaskParams } from '../tasks/validate-task-params';
import { checkCron, checkTimezone, fireTimeAfter } from './cron-schedule';
import { CreateScheduleDto, UpdateScheduleDto } from './schedule.dto';
import { Schedule } from './schedule.entity';
import { ScheduleNotFoundError } from './schedule-errors';

/** Schedules one project may have: each costs a row read per tick, and a list answers them all. */
export const MAX_SCHEDULES_PER_PROJECT = 1000;

/** What a schedule submits and when, once every part of it has been checked. */
interface CheckedSchedule {
  cron: string;
  timezone: string;
  taskType: Schedule['taskType'];
  inputParams: JsonObject;
}

/**
 * Creates, reads, changes and deletes schedules, within the caller's project. A schedule is
 * checked when written exactly as a submit of its task would be (params, files, mail policy),
 * so that its ticks do not make tasks a submit would refuse.
 */
@Injectable()
export class SchedulesService {
  private readonly policy: SubmitPolicy;

  constructor(
    @InjectRepository(Schedule) private readonly schedules: Repository<Schedule>,
    private readonly files: FilesService,
    config: AppConfig,
  ) {
    this.policy = { mail: mailPolicyOf(config.mail) };
  }

  async create(body: CreateScheduleDto, project: string, now = new Date()): Promise<Schedule> {
    const checked = await this.check(
      {
        cron: body.cron,
        timezone: body.timezone ?? 'UTC',
        taskType: body.task_type,
        inputParams: body.input_params ?? {},
      },
      project,
    );
    if ((await this.schedules.countBy({ project })) >= MAX_SCHEDULES_PER_PROJECT) {
      throw new LimitExceededError(
        429,
        `A project may have at most ${MAX_SCHEDULES_PER_PROJECT} schedules; delete one first`,
      );
    }
    const enabled = body.enabled ?? true;
    const row = this.schedules.create({
      id: randomUUID(),
      project,
      name: body.name.trim(),
      ...checked,
      priority: body.priority ?? null,
      timeoutSeconds: body.timeout_seconds ?? null,
      enabled,
      nextRunAt: enabled ? fireTimeAfter(checked.cron, checked.timezone, now) : null,
      lastRunAt: null,
      lastTaskId: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    });
    // TypeORM's deep-partial type cannot express free-form JSON columns.
    await this.schedules.insert(row as QueryDeepPartialEntity<Schedule>);
    return row;
  }

  /** Newest first; at most MAX_SCHEDULES_PER_PROJECT, all of a project's. */
  async list(scope: ProjectScope): Promise<{ schedules: Schedule[]; total: number }> {
    const [schedules, total] = await this.schedules.findAndCount({
      where: scope.project ? { project: scope.project } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      take: MAX_SCHEDULES_PER_PROJECT,
    });
    return { schedules, total };
  }

  /** The schedule; one of another project answers as an unknown id does. */
  async get(id: string, scope: ProjectScope): Promise<Schedule> {
    const storedId = normaliseId(id);
    const row =
      storedId === null
        ? null
        : await this.schedules.findOneBy({
            id: storedId,
            ...(scope.project ? { project: scope.project } : {}),
          });
    if (!row) throw new ScheduleNotFoundError();
    return row;
  }

  /**
   * Changes what is given. A new cron or time zone, or enabling it again, starts from the next
   * tick after now (no catch-up for the time it was off); disabling clears the next tick. Only
   * the columns that change are written, so a tick fired meanwhile by the ticker is kept.
   */
  async update(
    id: string,
    body: UpdateScheduleDto,
    scope: ProjectScope,
    now = new Date(),
  ): Promise<Schedule> {
    const row = await this.get(id, scope);
    const changes: Partial<Schedule> = { updatedAt: now };
    if (body.name !== undefined) changes.name = body.name.trim();
    if (body.priority !== undefined) changes.priority = body.priority;
    if (body.timeout_seconds !== undefined) changes.timeoutSeconds = body.timeout_seconds;
    const whatChanged =
      body.cron !== undefined ||
      body.timezone !== undefined ||
      body.task_type !== undefined ||
      body.input_params !== undefined;
    if (whatChanged) {
      const checked = await this.check(
        {
          cron: body.cron ?? row.cron,
          timezone: body.timezone ?? row.timezone,
          taskType: body.task_type ?? row.taskType,
          inputParams:
            body.input_params === undefined ? row.inputParams : (body.input_params ?? {}),
        },
        row.project,
      );
      Object.assign(changes, checked);
    }
    const enabled = body.enabled ?? row.enabled;
    const retimed =
      (changes.cron !== undefined && changes.cron !== row.cron) ||
      (changes.timezone !== undefined && changes.timezone !== row.timezone);
    if (enabled !== row.enabled || (enabled && retimed)) {
      changes.enabled = enabled;
      changes.nextRunAt = enabled
        ? fireTimeAfter(changes.cron ?? row.cron, changes.timezone ?? row.timezone, now)
        : null;
    }
    // TypeORM's deep-partial type cannot express free-form JSON columns.
    await this.schedules.update({ id: row.id }, changes as QueryDeepPartialEntity<Schedule>);
    return this.get(row.id, { project: row.project });
  }

  async remove(id: string, scope: ProjectScope): Promise<Schedule> {
    const row = await this.get(id, scope);
    await this.schedules.delete({ id: row.id });
    return row;
  }

  /** Every problem of the when and the what, located in the body, or the checked values. */
  private async check(
    wanted: { cron: string; timezone: string; taskType: string; inputParams: JsonObject },
    project: string,
  ): Promise<CheckedSchedule> {
    const problems: ValidationProblem[] = [];
    const cron = checkCron(wanted.cron);
    if (!cron.ok) problems.push({ loc: ['body', 'cron'], msg: cron.msg, type: 'cron' });
    const zone = checkTimezone(wanted.timezone);
    if (!zone.ok) problems.push({ loc: ['body', 'timezone'], msg: zone.msg, type: 'timezone' });
    let inputParams: JsonObject = {};
    if (!isTaskType(wanted.taskType)) {
      problems.push({
        loc: ['body', 'task_type'],
        msg: `Invalid task type. Must be one of: ${TASK_TYPES.join(', ')}`,
        type: 'enum',
      });
    } else {
      try {
        inputParams = await validateTaskParams(wanted.taskType, wanted.inputParams, this.policy);
        const references = PARAMS_BY_TYPE[wanted.taskType].files?.(inputParams) ?? [];
        for (const problem of await this.files.claim(references, project)) {
          problems.push({ ...problem, loc: ['body', 'input_params', ...problem.loc] });
        }
      } catch (error) {
        if (!(error instanceof RequestValidationError)) throw error;
        problems.push(...error.problems);
      }
    }
    if (problems.length > 0 || !cron.ok || !zone.ok || !isTaskType(wanted.taskType)) {
      throw new RequestValidationError(problems);
    }
    return { cron: cron.cron, timezone: zone.timezone, taskType: wanted.taskType, inputParams };
  }
}
