import { TaskStatus } from '../core/task-status';
import { WebhookEvent } from './webhook.entity';

/** The BullMQ queue of webhook work, processed where workers run. */
export const WEBHOOKS_QUEUE = 'webhooks';

/** A task reached a final status: find who to tell. */
export interface TaskFinishedJob {
  taskId: string;
  status: TaskStatus;
}

/** One event to one receiver; the body is fixed when the job is made, so every try sends it. */
export interface DeliverJob {
  taskId: string;
  project: string;
  event: WebhookEvent;
  /** Null for the task's callback_url. */
  webhookId: string | null;
  /** The callback_url; a webhook's URL is read at each try (it may have been deleted). */
  url?: string;
  body: string;
}

export const EVENT_OF: Partial<Record<TaskStatus, WebhookEvent>> = {
  SUCCESS: 'task.succeeded',
  FAILED: 'task.failed',
  CANCELLED: 'task.cancelled',
};
