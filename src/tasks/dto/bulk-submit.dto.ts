import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined } from 'class-validator';
import { TaskResponse } from './task.response';
import { SubmitTaskDto } from './submit-task.dto';

/** Tasks one bulk submit may carry. */
export const MAX_BULK_TASKS = 1000;
const COUNT_RULE = `tasks must hold 1 to ${MAX_BULK_TASKS} tasks`;

/**
 * Each item is exactly what POST /api/tasks/submit takes (a SubmitTaskDto), so every field of
 * one is one here. The items are checked by TasksService.submitMany rather than by the pipe,
 * so that their shape problems and their parameter problems are answered in one list.
 */
export class BulkSubmitDto {
  @ApiProperty({ type: [SubmitTaskDto], minItems: 1, maxItems: MAX_BULK_TASKS })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1, { message: COUNT_RULE })
  @ArrayMaxSize(MAX_BULK_TASKS, { message: COUNT_RULE })
  tasks!: unknown[];
}

export class BulkSubmitResponse {
  /** The created tasks, in the order of the request's items. */
  tasks!: TaskResponse[];
}
