import { ApiProperty } from '@nestjs/swagger';
import { TASK_TYPES, TaskType } from '../core/task-type';

/**
 * One live worker process as GET /api/workers shows it to a caller: snake_case, ISO-8601 UTC
 * times. Described field by field, since the OpenAPI plugin reads only *.dto.ts files.
 */
export class WorkerResponse {
  @ApiProperty({ description: 'host:pid:random, unique per process start' })
  id!: string;

  @ApiProperty()
  host!: string;

  @ApiProperty()
  pid!: number;

  @ApiProperty({ enum: TASK_TYPES, isArray: true })
  task_types!: TaskType[];

  @ApiProperty({
    description: 'Jobs this process runs at once, per task type',
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { csv_processing: 4, email_sending: 4, image_processing: 2 },
  })
  concurrency!: Partial<Record<TaskType, number>>;

  @ApiProperty({
    type: [String],
    description:
      "The running tasks of the caller's project (of every project for an admin key of `*`)",
  })
  running_task_ids!: string[];

  @ApiProperty({ description: 'Every task the worker runs, whichever project it belongs to' })
  running_count!: number;

  @ApiProperty({ format: 'date-time' })
  started_at!: string;

  @ApiProperty({ format: 'date-time' })
  last_heartbeat!: string;
}

export class WorkerListResponse {
  @ApiProperty({ type: [WorkerResponse], description: 'Oldest process first' })
  workers!: WorkerResponse[];
}
