import { PartialType } from '@nestjs/swagger';
import {
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const NAME_MESSAGE = 'name must be 1 to 100 characters';
const PRIORITY_RULE = 'priority must be an integer from 0 to 10';
const TIMEOUT_RULE = 'timeout_seconds must be an integer from 1 to 86400';

/** POST /api/schedules: what to submit, and when (§9). */
export class CreateScheduleDto {
  /** Shown in the dashboard and the audit log. */
  @IsString({ message: 'name must be a string' })
  @MinLength(1, { message: NAME_MESSAGE })
  @MaxLength(100, { message: NAME_MESSAGE })
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'name must not hold control characters' })
  name!: string;

  /** Five fields, minute hour day-of-month month day-of-week (or @hourly, @daily…); no seconds. */
  @IsString({ message: 'cron must be a string' })
  cron!: string;

  /** IANA time zone the cron is read in; default UTC. */
  @IsOptional()
  @IsString({ message: 'timezone must be a string' })
  timezone?: string;

  @IsDefined()
  @IsString()
  task_type!: string;

  /** The task type's parameters, checked now exactly as a submit checks them. */
  @IsOptional()
  @IsObject()
  input_params?: Record<string, unknown> | null;

  /** 0-10, passed on to each task the schedule submits. */
  @IsOptional()
  @IsInt({ message: PRIORITY_RULE })
  @Min(0, { message: PRIORITY_RULE })
  @Max(10, { message: PRIORITY_RULE })
  priority?: number | null;

  /** 1-86,400 seconds, passed on to each task the schedule submits. */
  @IsOptional()
  @IsInt({ message: TIMEOUT_RULE })
  @Min(1, { message: TIMEOUT_RULE })
  @Max(86_400, { message: TIMEOUT_RULE })
  timeout_seconds?: number | null;

  /** Default true. */
  @IsOptional()
  @IsBoolean({ message: 'enabled must be true or false' })
  enabled?: boolean;
}

/** PATCH /api/schedules/{id}: any of the fields, each checked as at create; input_params, when given, replaces the old. */
export class UpdateScheduleDto extends PartialType(CreateScheduleDto) {}
