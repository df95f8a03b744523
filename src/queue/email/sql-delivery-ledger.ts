import { Repository } from 'typeorm';
import { EmailDelivery } from '../../database/email-delivery.entity';
import { DeliveryLedger, DeliveryRecord } from './mailer';

/** The ledger of one task, kept in SQL beside the task so it survives any worker crash. */
export class SqlDeliveryLedger implements DeliveryLedger {
  constructor(
    private readonly deliveries: Repository<EmailDelivery>,
    private readonly taskId: string,
  ) {}

  async load(): Promise<Map<string, DeliveryRecord>> {
    const rows = await this.deliveries.find({ where: { taskId: this.taskId } });
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
