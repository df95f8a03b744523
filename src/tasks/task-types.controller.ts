import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { TASK_TYPES, TaskType } from '../core/task-type';
import { PARAMS_BY_TYPE } from '../task-types/params';
import { TaskTypeResponse } from './dto/task-type.response';

@ApiTags('tasks')
@Controller('api/task-types')
@Roles('viewer')
export class TaskTypesController {
  /** Every task type with its parameter defaults and choices, keyed by type. */
  @Get()
  @ApiOperation({ summary: "The task types, each with its parameters' defaults and choices" })
  list(): Record<TaskType, TaskTypeResponse> {
    return Object.fromEntries(
      TASK_TYPES.map((type) => {
        const { defaults, choices } = PARAMS_BY_TYPE[type];
        return [type, { defaults, choices }];
      }),
    ) as Record<TaskType, TaskTypeResponse>;
  }
}
