import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonObject } from '../core/json';
import { TaskStatus } from '../core/task-status';
import { TaskType } from '../core/task-type';

/** One submitted task; this row is the source of truth, Redis only carries the job. */
@Entity({ name: 'tasks' })
@Index('idx_tasks_created_at', ['createdAt', 'id'])
@Index('idx_tasks_status_created_at', ['status', 'createdAt', 'id'])
@Index('idx_tasks_project_created_at', ['project', 'createdAt', 'id'])
@Index('idx_tasks_project_status_created_at', ['project', 'status', 'createdAt', 'id'])
@Index('idx_tasks_project_type_created_at', ['project', 'taskType', 'createdAt', 'id'])
@Index('idx_tasks_project_status_type_created_at', [
  'project',
  'status',
  'taskType',
  'createdAt',
  'id',
])
@Index('idx_tasks_retry_of_created_at', ['retryOf', 'createdAt', 'id'])
@Index('idx_tasks_project_priority_created_at', ['project', 'priority', 'createdAt', 'id'])
@Index('idx_tasks_status_run_at', ['status', 'runAt'], { where: 'run_at IS NOT NULL' })
@Index('idx_tasks_status_completed_at', ['status', 'completedAt'], {
  where: 'completed_at IS NOT NULL',
})
export class Task {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'task_type', type: 'varchar', length: 32 })
  taskType!: TaskType;

  @Column({ type: 'varchar', length: 16 })
  status!: TaskStatus;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;

  @Column({ name: 'started_at', type: Date, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: Date, nullable: true })
  completedAt!: Date | null;

  /** Refreshed by the worker running the task every few seconds; null when not yet started. */
  @Column({ name: 'heartbeat_at', type: Date, nullable: true })
  heartbeatAt!: Date | null;

  @Column({ type: 'real', default: 0 })
  progress!: number;

  /** Bytes of its output and outbox files when it finished; null before, or with none. */
  @Column({
    name: 'output_bytes',
    type: 'bigint',
    nullable: true,
    transformer: {
      to: (v: number | null) => v,
      from: (v: string | number | null) => (v === null ? null : Number(v)),
    },
  })
  outputBytes!: number | null;

  @Column({ name: 'input_params', type: 'simple-json' })
  inputParams!: JsonObject;

  @Column({ name: 'result_data', type: 'simple-json', nullable: true })
  resultData!: JsonObject | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'retry_of', type: 'varchar', length: 36, nullable: true })
  retryOf!: string | null;

  /** Seconds the task may run before it is stopped and FAILED (§9); null for older tasks. */
  @Column({ name: 'timeout_seconds', type: 'integer', nullable: true })
  timeoutSeconds!: number | null;

  /** The project of the key that made it (§7); `default` in open mode. */
  @Column({ type: 'varchar', length: 64, default: 'default' })
  project!: string;

  /** 0–10 (§9): among a type's waiting tasks a larger one starts sooner. */
  @Column({ type: 'integer', default: 5 })
  priority!: number;

  /** When the task was asked to start (§9); null for "now". SCHEDULED until then. */
  @Column({ name: 'run_at', type: Date, nullable: true })
  runAt!: Date | null;

  /** The schedule whose tick made it (§9); null for a submit or a retry. */
  @Column({ name: 'schedule_id', type: 'varchar', length: 36, nullable: true })
  scheduleId!: string | null;

  /** Where the task's outcome is also POSTed (§11); null for none. */
  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl!: string | null;
}
