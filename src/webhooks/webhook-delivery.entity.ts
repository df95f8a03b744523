import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One try to deliver one event to one webhook or callback_url, kept for GET …/deliveries. */
@Entity({ name: 'webhook_deliveries' })
@Index('idx_webhook_deliveries_webhook', ['webhookId', 'createdAt', 'id'])
@Index('idx_webhook_deliveries_task', ['taskId'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Null for a task's own callback_url. */
  @Column({ name: 'webhook_id', type: 'varchar', length: 36, nullable: true })
  webhookId!: string | null;

  @Column({ name: 'task_id', type: 'varchar', length: 36 })
  taskId!: string;

  @Column({ type: 'varchar', length: 64 })
  project!: string;

  @Column({ type: 'varchar', length: 32 })
  event!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** 1 for the first try. */
  @Column({ type: 'integer' })
  attempt!: number;

  /** The receiver's answer; null when there was none (refused, timed out, unreachable). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  /** Why the try failed; null when the receiver answered 2xx. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
