import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const WEBHOOK_EVENTS = ['task.succeeded', 'task.failed', 'task.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** A project's subscription to task outcomes (§11). */
@Entity({ name: 'webhooks' })
@Index('idx_webhooks_project', ['project', 'createdAt', 'id'])
export class Webhook {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 64 })
  project!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ type: 'simple-json' })
  events!: WebhookEvent[];

  /** The signing secret, sealed with WEBHOOK_SECRET_KEY when that is set (see secret-box.ts). */
  @Column({ type: 'varchar', length: 512 })
  secret!: string;

  @Column({ name: 'created_at', type: Date })
  createdAt!: Date;
}
