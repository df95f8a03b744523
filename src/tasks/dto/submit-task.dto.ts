import {
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/priority';
import { DELAY_RULE, MAX_DELAY_SECONDS, RUN_AT_RULE } from '../start-time';

const PRIORITY_RULE = `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;

export class SubmitTaskDto {
  /** csv_processing, email_sending or image_processing. */
  @IsDefined()
  @IsString()
  task_type!: string;

  /** The task type's parameters; defaults fill what is left out. Omitted or null means {}. */
  @IsOptional()
  @IsObject()
  input_params?: Record<string, unknown> | null;

  /** 0–10: among a type's waiting tasks a larger one starts sooner. 5 when left out. */
  @IsOptional()
  @IsInt({ message: PRIORITY_RULE })
  @Min(MIN_PRIORITY, { message: PRIORITY_RULE })
  @Max(MAX_PRIORITY, { message: PRIORITY_RULE })
  priority?: number | null;

  /** ISO-8601 with a zone: the task is SCHEDULED until then (past: it runs now). */
  @IsOptional()
  @IsString({ message: RUN_AT_RULE })
  run_at?: string | null;

  /** Seconds from now, at most 365 days; instead of run_at, not with it. */
  @IsOptional()
  @IsInt({ message: DELAY_RULE })
  @Min(0, { message: DELAY_RULE })
  @Max(MAX_DELAY_SECONDS, { message: DELAY_RULE })
  delay_seconds?: number | null;

  /** Seconds the run may last before it is stopped and FAILED; the type's default when omitted. */
  @IsOptional()
  @Min(1)
  @Max(86_400)
  @IsInt()
  timeout_seconds?: number;

  /** Also POST the task's outcome here (§11): an http or https URL on a public address. */
  @IsOptional()
  @IsString({ message: 'callback_url must be a string' })
  @MaxLength(2048, { message: 'callback_url must be at most 2048 characters' })
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'callback_url must be an http or https URL' },
  )
  callback_url?: string;
}
