import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One state-changing action: who, what, on which resource, in which project, when, from where. */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_at', ['at', 'id'])
@Index('idx_audit_log_project_at', ['project', 'at', 'id'])
export class AuditEntry {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: Date })
  at!: Date;

  /** Null in open mode and for ADMIN_API_KEY, which are no stored key. */
  @Column({ name: 'actor_key_id', type: 'varchar', length: 36, nullable: true })
  actorKeyId!: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 100 })
  actorName!: string;

  /** e.g. task.submit, task.cancel, file.upload, key.create. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  /** The id of what was acted on (a task, a file, a key), when there is one. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  resource!: string | null;

  @Column({ type: 'varchar', length: 64 })
  project!: string;

  @Column({ name: 'client_address', type: 'varchar', length: 64, nullable: true })
  clientAddress!: string | null;
}
