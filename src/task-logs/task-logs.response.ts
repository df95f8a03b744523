import { ApiProperty } from '@nestjs/swagger';
import { TASK_LOG_LEVELS, TaskLogLevel } from '../events/task-event';

export class TaskLogLineResponse {
  @ApiProperty({ description: '1, 2, 3… per task; pass the last one as ?after= to read on' })
  seq!: number;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ enum: TASK_LOG_LEVELS })
  level!: TaskLogLevel;

  @ApiProperty()
  message!: string;
}

export class TaskLogsResponse {
  @ApiProperty()
  task_id!: string;

  @ApiProperty({ type: [TaskLogLineResponse], description: 'Oldest first; at most 1,000 kept' })
  lines!: TaskLogLineResponse[];
}
