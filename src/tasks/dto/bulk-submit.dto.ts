import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, ValidateNested } from 'class-validator';
import { TaskResponse } from './task.response';
import { SubmitTaskDto } from './submit-task.dto';

/** Tasks one bulk submit may carry. */
export const MAX_BULK_TASKS = 1000;
const COUNT_RULE = `tasks must hold 1 to ${MAX_BULK_TASKS} tasks`;

/** Each item is exactly what POST /api/tasks/submit takes, so every field of one is one here. */
export class BulkSubmitDto {
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1, { message: COUNT_RULE })
  @ArrayMaxSize(MAX_BULK_TASKS, { message: COUNT_RULE })
  @ValidateNested({ each: true })
  @Type(() => SubmitTaskDto)
  tasks!: SubmitTaskDto[];
}

export class BulkSubmitResponse {
  /** The created tasks, in the order of the request's items. */
  tasks!: TaskResponse[];
}
