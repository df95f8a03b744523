import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
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

export const MAX_Q_LENGTH = 200;
const Q_RULE = `q must be 1 to ${MAX_Q_LENGTH} characters: an id, an id prefix or text to find`;
const timeRule = (name: string): string =>
  `${name} must be an ISO-8601 time, e.g. 2026-01-31T12:00:00Z`;

/**
 * The fields of a search that a listing and a bulk action share (§10): one decorator set each,
 * applied by both classes.
 */
export const SEARCH_FIELDS = {
  status: () =>
    IsIn(TASK_STATUSES, { message: `status must be one of: ${TASK_STATUSES.join(', ')}` }),
  taskType: () =>
    IsIn(TASK_TYPES, { message: `task_type must be one of: ${TASK_TYPES.join(', ')}` }),
  q: (): PropertyDecorator => (target, key) => {
    IsString({ message: Q_RULE })(target, key);
    MinLength(1, { message: Q_RULE })(target, key);
    MaxLength(MAX_Q_LENGTH, { message: Q_RULE })(target, key);
  },
  time: (name: string) => IsISO8601({ strict: true }, { message: timeRule(name) }),
};

export class ListTasksQuery extends StatsQuery {
  @IsOptional()
  @SEARCH_FIELDS.status()
  status?: TaskStatus;

  @IsOptional()
  @SEARCH_FIELDS.taskType()
  task_type?: TaskType;

  /** An id or id prefix, or text found in error_message or input_params. */
  @IsOptional()
  @SEARCH_FIELDS.q()
  q?: string;

  /** Created at or after this time. */
  @IsOptional()
  @SEARCH_FIELDS.time('created_after')
  created_after?: string;

  /** Created before this time. */
  @IsOptional()
  @SEARCH_FIELDS.time('created_before')
  created_before?: string;

  /** The previous page's next_cursor: the page after it, at the same cost at any depth. */
  @IsOptional()
  @IsString({ message: 'cursor must be the next_cursor of a previous page' })
  @MaxLength(200, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;

  /** Only the retries of this task (the tasks whose retry_of it is). */
  @IsOptional()
  @IsResourceId({ message: 'retry_of must be a task id (a UUID)' })
  retry_of?: string;

  /** Only the tasks one schedule made (§9). */
  @IsOptional()
  @IsResourceId({ message: 'schedule_id must be a schedule id (a UUID)' })
  schedule_id?: string;

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

  /** Tasks to skip, 0 to 10,000,000 (0 when left out); not with `cursor`. */
  @IsOptional()
  @Transform(integerText)
  @Min(0, { message: OFFSET_RULE })
  @Max(MAX_OFFSET, { message: OFFSET_RULE })
  @IsInt({ message: OFFSET_RULE })
  offset?: number;
}
