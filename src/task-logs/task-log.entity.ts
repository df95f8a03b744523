import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TaskLogLevel } from '../events/task-event';

/** One line of a task's own log: what its run did that its user may want to know. */
@Entity({ name: 'task_logs' })
export class TaskLogLine {
  @PrimaryColumn({ name: 'task_id', type: 'varchar', length: 36 })
  taskId!: string;

  /** 1, 2, 3… per task, across its attempts; a reader asks for the lines after the last it has. */
  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: Date })
  at!: Date;

  @Column({ type: 'varchar', length: 8 })
  level!: TaskLogLevel;

  @Column({ type: 'text' })
  message!: string;
}
