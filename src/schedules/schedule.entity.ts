import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonObject } from '../core/json';
import { TaskType } from '../core/task-type';

/** A cron schedule of one project: each tick submits one task built from it (§9). */
@Entity({ name: 'schedules' })
@Index('idx_schedules_project_created_at', ['project', 'createdAt', 'id'])
@Index('idx_schedules_next_run_at', ['nextRunAt'])
export class Schedule {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  project!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  /** Five fields (or an alias), as checkCron normalised it. */
  @Column({ type: 'varchar', length: 200 })
  cron!: string;

  /** IANA name; the cron's hours and days are read in it. */
  @Column({ type: 'varchar', length: 64 })
  timezone!: string;

  @Column({ name: 'task_type', type: 'varchar', length: 32 })
  taskType!: TaskType;

  /** Validated (defaults applied) as a submit would, when the schedule was written. */
  @Column({ name: 'input_params', type: 'simple-json' })
  inputParams!: JsonObject;

  @Column({ type: 'integer', nullable: true })
  priority!: number | null;

  @Column({ name: 'timeout_seconds', type: 'integer', nullable: true })
  timeoutSeconds!: number | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /**
   * The tick to fire next; null while disabled. An instance fires a tick only by moving this
   * on with a conditional UPDATE that still finds the tick, so only one instance can.
   */
  @Column({ name: 'next_run_at', type: Date, nullable: true })
  nextRunAt!: Date | null;

  /** When the last tick was fired, and the task it made (null when the submit was refused). */
  @Column({ name: 'last_run_at', type: Date, nullable: true })
  lastRunAt!: Date | null;

  @Column({ name: 'last_task_id', type: 'varchar', length: 36, nullable: true })
  lastTaskId!: string | null;

  /** Why the last firing made no task (a quota reached, a file gone…); null when it did. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: Date })
  updatedAt!: Date;
}
