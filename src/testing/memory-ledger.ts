import { DeliveryLedger, DeliveryRecord } from '../task-types/email/delivery-ledger';

/** A delivery ledger kept in memory, for specs of the send loop: it keeps what it is told. */
export class MemoryLedger implements DeliveryLedger {
  readonly records = new Map<string, DeliveryRecord>();
  /** Every record call, in order. */
  readonly recorded: DeliveryRecord[] = [];

  constructor(initial: DeliveryRecord[] = []) {
    for (const record of initial) this.records.set(record.to, record);
  }

  async load(): Promise<Map<string, DeliveryRecord>> {
    return new Map(this.records);
  }

  async record(delivery: DeliveryRecord): Promise<void> {
    this.recorded.push(delivery);
    this.records.set(delivery.to, delivery);
  }
}

/** A recipient an earlier run already delivered to. */
export const deliveredEarlier = (to: string, messageId = `<${to}@earlier>`): DeliveryRecord => ({
  to,
  status: 'delivered',
  message_id: messageId,
  response: '250 OK',
  sent_at: '2025-01-01T00:00:00.000Z',
  error: null,
});
