import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_LOG_PAGE = 1_000;
const AFTER_RULE = 'after must be an integer from 0 to 2147483647 (the last seq already read)';
const LIMIT_RULE = `limit must be an integer from 1 to ${MAX_LOG_PAGE}`;

const integerText = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^[+-]?\d{1,20}$/.test(value) ? Number(value) : value;

export class TaskLogsQuery {
  /** Only the lines after this seq: an incremental read passes the last seq it holds. */
  @IsOptional()
  @Transform(integerText)
  @Min(0, { message: AFTER_RULE })
  @Max(2_147_483_647, { message: AFTER_RULE })
  @IsInt({ message: AFTER_RULE })
  after: number = 0;

  @IsOptional()
  @Transform(integerText)
  @Min(1, { message: LIMIT_RULE })
  @Max(MAX_LOG_PAGE, { message: LIMIT_RULE })
  @IsInt({ message: LIMIT_RULE })
  limit: number = MAX_LOG_PAGE;
}
