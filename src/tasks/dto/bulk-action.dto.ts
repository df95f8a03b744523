import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/priority';
import { TaskStatus } from '../../core/task-status';
import { TaskType } from '../../core/task-type';
import { IsResourceId } from '../../task-types/is-resource-id';
import { SEARCH_FIELDS } from './list-tasks.query';

const PRIORITY_RULE = `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;

/** Most ids one bulk request may name; the matched cap (BULK_MAX_TASKS) applies as well. */
export const MAX_BULK_IDS = 10_000;

/** The search of GET /api/tasks/ that a bulk action applies to. */
export class BulkFilter {
  @IsOptional()
  @SEARCH_FIELDS.status()
  status?: TaskStatus;

  @IsOptional()
  @SEARCH_FIELDS.taskType()
  task_type?: TaskType;

  @IsOptional()
  @SEARCH_FIELDS.q()
  q?: string;

  @IsOptional()
  @SEARCH_FIELDS.time('created_after')
  created_after?: string;

  @IsOptional()
  @SEARCH_FIELDS.time('created_before')
  created_before?: string;

  /** The list's priority filter (§9), so that "all matching" means what the list shows. */
  @IsOptional()
  @Min(MIN_PRIORITY, { message: PRIORITY_RULE })
  @Max(MAX_PRIORITY, { message: PRIORITY_RULE })
  @IsInt({ message: PRIORITY_RULE })
  priority?: number;
}

/** POST /api/tasks/cancel and /retry: exactly one of `filter` and `ids`. */
export class BulkActionDto {
  @IsOptional()
  @ValidateNested()
  @Type(() => BulkFilter)
  filter?: BulkFilter;

  @IsOptional()
  @IsArray({ message: `ids must be a list of 1 to ${MAX_BULK_IDS} task ids` })
  @ArrayMinSize(1, { message: `ids must be a list of 1 to ${MAX_BULK_IDS} task ids` })
  @ArrayMaxSize(MAX_BULK_IDS, { message: `ids must be a list of 1 to ${MAX_BULK_IDS} task ids` })
  @IsResourceId({ each: true, message: 'each of ids must be a task id (a UUID)' })
  ids?: string[];

  /** Count only: {matched, affected: 0, eligible}, nothing changed. */
  @IsOptional()
  @IsBoolean({ message: 'dry_run must be true or false' })
  dry_run?: boolean;
}

export interface BulkActionResponse {
  /** Tasks the filter or the ids matched within the caller's project. */
  matched: number;
  /** Tasks the action changed (cancelled, or retried as a new task). */
  affected: number;
  /** With dry_run: of the matched, how many are in a status the action applies to. */
  eligible?: number;
  /** Set when the action stopped before the end, saying why (a quota reached). */
  detail?: string;
}
