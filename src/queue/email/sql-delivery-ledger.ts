import { Logger } from '@nestjs/common';
import { In, Repository } from 'typeorm';
import { EmailDelivery } from '../../database/email-delivery.entity';
import { SqlRetryPolicy, withSqlRetry } from '../../database/sql-retry';
import { DeliveryLedger, DeliveryRecord } from './mailer';

/**
 * The ledger of one task, kept in SQL beside the task so it survives any worker crash. A retry
 * (a new task with retry_of) inherits the recipients its originals delivered to, so retrying a
 * half-sent batch mails only those who did not get it.
 */
export class SqlDeliveryLedger implements DeliveryLedger {
  private readonly logger = new Logger(SqlDeliveryLedger.name);

  constructor(
    private readonly deliveries: Repository<EmailDelivery>,
    private readonly taskId: string,
    private readonly originals: string[] = [],
    private readonly retry: SqlRetryPolicy = { attempts: 1, delayMs: 0 },
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

  /**
   * Retried through a busy database or a dropped connection: a delivery that is not recorded
   * would be sent again when the task is re-run. The upsert is idempotent, so a retry after a
   * try that did commit is harmless.
   */
  async record(delivery: DeliveryRecord): Promise<void> {
    await withSqlRetry(() => this.upsert(delivery), {
      what: `record delivery to ${delivery.to}`,
      policy: this.retry,
      logger: this.logger,
      context: { task_id: this.taskId },
    });
  }

  private async upsert(delivery: DeliveryRecord): Promise<void> {
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
