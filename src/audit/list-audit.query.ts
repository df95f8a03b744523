import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { PROJECT_NAME } from '../core/project';

const LIMIT_RULE = 'limit must be an integer from 1 to 1000';
const OFFSET_RULE = 'offset must be an integer from 0 to 10000000';

export class ListAuditQuery {
  /** Only with an admin key of all projects; other keys see their own project. */
  @IsOptional()
  @Matches(PROJECT_NAME, { message: 'project must be a project name (a-z, 0-9, _ and -)' })
  project?: string;

  /** A key id or a key name. */
  @IsOptional()
  @MaxLength(100, { message: 'actor must be a key id or name of at most 100 characters' })
  actor?: string;

  /** e.g. task.submit, task.cancel, task.retry, file.upload, key.create, key.revoke. */
  @IsOptional()
  @Matches(/^[a-z_]+\.[a-z_]+$/, { message: 'action must look like task.submit or key.revoke' })
  action?: string;

  @IsOptional()
  @IsISO8601(
    { strict: true },
    { message: 'since must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z' },
  )
  since?: string;

  @IsOptional()
  @Type(() => Number)
  @Min(1, { message: LIMIT_RULE })
  @Max(1000, { message: LIMIT_RULE })
  @IsInt({ message: LIMIT_RULE })
  limit: number = 100;

  @IsOptional()
  @Type(() => Number)
  @Min(0, { message: OFFSET_RULE })
  @Max(10_000_000, { message: OFFSET_RULE })
  @IsInt({ message: OFFSET_RULE })
  offset: number = 0;
}
