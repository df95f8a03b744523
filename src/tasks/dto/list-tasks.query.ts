import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { TASK_STATUSES, TaskStatus } from '../../core/task-status';
import { TASK_TYPES, TaskType } from '../../core/task-type';

const LIMIT_RULE = 'limit must be an integer from 1 to 100';
const OFFSET_RULE = 'offset must be an integer, 0 or more';

export class ListTasksQuery {
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: `status must be one of: ${TASK_STATUSES.join(', ')}` })
  status?: TaskStatus;

  @IsOptional()
  @IsIn(TASK_TYPES, { message: `task_type must be one of: ${TASK_TYPES.join(', ')}` })
  task_type?: TaskType;

  /** Page size, 1 to 100. */
  @IsOptional()
  @Type(() => Number)
  @Min(1, { message: LIMIT_RULE })
  @Max(100, { message: LIMIT_RULE })
  @IsInt({ message: LIMIT_RULE })
  limit: number = 50;

  @IsOptional()
  @Type(() => Number)
  @Min(0, { message: OFFSET_RULE })
  @IsInt({ message: OFFSET_RULE })
  offset: number = 0;
}
