import { In, Repository } from 'typeorm';
import { EmailDelivery } from '../../database/email-delivery.entity';
import { DeliveryLedger, DeliveryRecord } from './mailer';

/**
 * The ledger of one task, kept in SQL beside the task so it survives any worker crash. A retry
 * (a new task with retry_of) inherits the recipients its originals delivered to, so retrying a
 * half-sent batch mails only those who did not get it.
 */
export class SqlDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly deliveries: Repository<EmailDelivery>,
    private readonly taskId: string,
    private readonly originals: string[] = [],
  ) {}

  async load(): Promise<Map<string, DeliveryRecord>> {
    const inherited =
      this.originals.length > 0
        ? await this.deliveries.find({ where: { taskId: In(this.originals), status: 'delivered' } })
        : [];
    const own = await this.deliveries.find({ where: { taskId: this.taskId } });
    const rows = [...inherited, ...own];
    return new Map(
      rows.map((row) => [
        row.recipient,
        {
          to: row.recipient,
          status: row.status,
          message_id: row.messageId,
          response: row.response,
          sent_at: row.sentAt,
          error: row.error,
        },
      ]),
    );
  }

  async record(delivery: DeliveryRecord): Promise<void> {
    await this.deliveries.upsert(
      {
        taskId: this.taskId,
        recipient: delivery.to,
        status: delivery.status,
        messageId: delivery.message_id,
        response: delivery.response,
        sentAt: delivery.sent_at,
        error: delivery.error,
      },
      ['taskId', 'recipient'],
    );
  }
}
