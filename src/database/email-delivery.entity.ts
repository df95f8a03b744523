import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The per-recipient ledger of an e-mail task: a row here means "do not send again". */
@Entity({ name: 'email_deliveries' })
export class EmailDelivery {
  @PrimaryColumn({ name: 'task_id', type: 'varchar', length: 36 })
  taskId!: string;

  @PrimaryColumn({ type: 'varchar', length: 320 })
  recipient!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'delivered' | 'failed';

  @Column({ name: 'message_id', type: 'varchar', length: 998, nullable: true })
  messageId!: string | null;

  @Column({ type: 'text', nullable: true })
  response!: string | null;

  @Column({ name: 'sent_at', type: 'varchar', length: 32, nullable: true })
  sentAt!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The project of the key that made it (§7); `default` in open mode. */
  @Column({ type: 'varchar', length: 64, default: 'default' })
  project!: string;
}
