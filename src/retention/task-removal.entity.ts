import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A task whose row retention has deleted and whose files are still to go. Written in the
 * transaction that deletes the row and removed once its folders, delivery rows and unused
 * uploads are gone, so a sweep that dies in between leaves work for the next one, not orphans.
 */
@Entity({ name: 'task_removals' })
export class TaskRemoval {
  @PrimaryColumn({ name: 'task_id', type: 'varchar', length: 36 })
  taskId!: string;

  @Column({ type: 'varchar', length: 64 })
  project!: string;

  /** The uploads the task named: removed too when no remaining task of the project names them. */
  @Column({ name: 'upload_ids', type: 'simple-json' })
  uploadIds!: string[];

  @Column({ name: 'deleted_at', type: Date })
  deletedAt!: Date;
}
