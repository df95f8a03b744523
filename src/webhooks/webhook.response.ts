import { Webhook } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';

export interface WebhookResponse {
  id: string;
  url: string;
  events: string[];
  project: string;
  created_at: string;
}

export interface WebhookDeliveryResponse {
  id: string;
  task_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  delivered: boolean;
  created_at: string;
}

export const toWebhookResponse = (row: Webhook): WebhookResponse => ({
  id: row.id,
  url: row.url,
  events: row.events,
  project: row.project,
  created_at: row.createdAt.toISOString(),
});

export const toDeliveryResponse = (row: WebhookDelivery): WebhookDeliveryResponse => ({
  id: row.id,
  task_id: row.taskId,
  event: row.event,
  attempt: row.attempt,
  status_code: row.statusCode,
  duration_ms: row.durationMs,
  error: row.error,
  delivered: row.error === null,
  created_at: row.createdAt.toISOString(),
});
