export interface DeliveryRecord {
  to: string;
  status: 'delivered' | 'failed';
  message_id: string | null;
  response: string | null;
  sent_at: string | null;
  error: string | null;
}

/** Remembers who was already mailed, so a re-delivered task never mails anyone twice. */
export interface DeliveryLedger {
  load(): Promise<Map<string, DeliveryRecord>>;
  record(delivery: DeliveryRecord): Promise<void>;
}
