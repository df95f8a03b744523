import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MAX_PRIORITY, MIN_PRIORITY } from '../../core/priority';
import { PROJECT_NAME } from '../../core/project';
import { TASK_STATUSES, TaskStatus } from '../../core/task-status';
import { TASK_TYPES, TaskType } from '../../core/task-type';
import { IsResourceId } from '../../task-types/is-resource-id';

export const MAX_LIMIT = 1000;
export const MAX_OFFSET = 10_000_000;
const LIMIT_RULE = `limit must be an integer from 1 to ${MAX_LIMIT}`;
const OFFSET_RULE = `offset must be an integer from 0 to ${MAX_OFFSET}`;
const PRIORITY_RULE = `priority must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}`;

/**
 * Query text to an integer only when it is written as one ("25", "-1"), as FastAPI reads an
 * int: "1e20", "0x10", "2.5" and "" stay text and fail the integer check with the rule.
 */
const integerText = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^[+-]?\d{1,20}$/.test(value) ? Number(value) : value;

const PROJECT_RULE =
  'project must be a project name: a-z, 0-9, _ and -, starting with a letter or digit';

/** `project` narrows an admin key of every project to one; another key sees only its own. */
export class StatsQuery {
  @IsOptional()
  @Matches(PROJECT_NAME, { message: PROJECT_RULE })
  project?: string;
}

export class ListTasksQuery extends StatsQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: `status must be one of: ${TASK_STATUSES.join(', ')}` })
  status?: TaskStatus;

  @IsOptional()
  @IsIn(TASK_TYPES, { message: `task_type must be one of: ${TASK_TYPES.join(', ')}` })
  task_type?: TaskType;

  /** Only the retries of this task (the tasks whose retry_of it is). */
  @IsOptional()
  @IsResourceId({ message: 'retry_of must be a task id (a UUID)' })
  retry_of?: string;

  /** Only the tasks of this priority, 0 to 10 (§9). */
  @IsOptional()
  @Transform(integerText)
  @Min(MIN_PRIORITY, { message: PRIORITY_RULE })
  @Max(MAX_PRIORITY, { message: PRIORITY_RULE })
  @IsInt({ message: PRIORITY_RULE })
  priority?: number;

  /** Page size, 1 to 1000; 100 by default, as the original. */
  @IsOptional()
  @Transform(integerText)
  @Min(1, { message: LIMIT_RULE })
  @Max(MAX_LIMIT, { message: LIMIT_RULE })
  @IsInt({ message: LIMIT_RULE })
  limit: number = 100;

  /** Tasks to skip, 0 to 10,000,000. */
  @IsOptional()
  @Transform(integerText)
  @Min(0, { message: OFFSET_RULE })
  @Max(MAX_OFFSET, { message: OFFSET_RULE })
  @IsInt({ message: OFFSET_RULE })
  offset: number = 0;
}
