import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Task } from '../database/task.entity';
import { toTaskResponse } from '../tasks/dto/task.response';
import { deliverySchedule } from './delivery-schedule';
import { SecretBox } from './secret-box';
import { Webhook } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { DeliverJob, EVENT_OF, TaskFinishedJob, WEBHOOKS_QUEUE } from './webhook-jobs';
import { postJson, SendResult } from './webhook-sender';
import { SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from './webhook-signature';
import { RefusedTargetError, resolveTarget } from './webhook-target';

/**
 * The webhooks queue, in worker processes: `task-finished` makes one `deliver` job per
 * receiver; `deliver` makes one try, logs it, and throws on failure so that BullMQ tries
 * again on the schedule that puts the last try WEBHOOK_RETRY_WINDOW_SECONDS after the first.
 */
@Processor(WEBHOOKS_QUEUE, { concurrency: 8 })
export class WebhookProcessor extends WorkerHost {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly box: SecretBox;

  constructor(
    private readonly config: AppConfig,
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<DeliverJob>,
  ) {
    super();
    this.box = new SecretBox(config.webhooks.secretKey);
  }

  async process(job: Job<TaskFinishedJob | DeliverJob>): Promise<void> {
    if (job.name === 'task-finished') await this.fanOut(job.data as TaskFinishedJob);
    else if (job.name === 'deliver') await this.deliver(job as Job<DeliverJob>);
    else throw new UnrecoverableError(`Unknown webhooks job ${job.name}`);
  }

  private async fanOut({ taskId }: TaskFinishedJob): Promise<void> {
    const task = await this.tasks.findOneBy({ id: taskId });
    const event = task ? EVENT_OF[task.status] : undefined;
    if (!task || !event) return;
    const body = JSON.stringify({ event, task: toTaskResponse(task) });
    const hooks = (await this.webhooks.findBy({ project: task.project })).filter((hook) =>
      hook.events.includes(event),
    );
    const receivers: DeliverJob[] = hooks.map((hook) => ({
      taskId,
      project: task.project,
      event,
      webhookId: hook.id,
      body,
    }));
    if (task.callbackUrl) {
      receivers.push({
        taskId,
        project: task.project,
        event,
        webhookId: null,
        url: task.callbackUrl,
        body,
      });
    }
    if (receivers.length === 0) return;
    const schedule = deliverySchedule(
      this.config.webhooks.attempts,
      this.config.webhooks.retryWindowMs,
    );
    await this.queue.addBulk(
      receivers.map((data) => ({
        name: 'deliver',
        data,
        opts: {
          ...schedule,
          jobId: `deliver-${taskId}-${data.webhookId ?? 'callback'}`,
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        },
      })),
    );
  }

  private async deliver(job: Job<DeliverJob>): Promise<void> {
    const data = job.data;
    let url = data.url;
    let secret: string | undefined;
    if (data.webhookId) {
      const hook = await this.webhooks.findOneBy({ id: data.webhookId });
      if (!hook) return; // deleted meanwhile: nothing more to send
      url = hook.url;
      secret = this.box.open(hook.secret);
    }
    if (!url) return;
    const attempt = job.attemptsMade + 1;
    let result: SendResult;
    let refused = false;
    try {
      const target = await resolveTarget(url, this.config.webhooks.allowPrivate);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        [TIMESTAMP_HEADER]: timestamp,
        'X-Conveyor-Event': data.event,
        'X-Conveyor-Delivery': job.id ?? '',
      };
      if (secret !== undefined)
        headers[SIGNATURE_HEADER] = signPayload(secret, timestamp, data.body);
      result = await postJson(target, data.body, headers, this.config.webhooks.timeoutMs);
    } catch (error) {
      refused = error instanceof RefusedTargetError;
      result = {
        statusCode: null,
        durationMs: 0,
        error: refused ? `Refused: the URL ${(error as Error).message}` : (error as Error).message,
      };
    }
    await this.deliveries.insert({
      id: randomUUID(),
      webhookId: data.webhookId,
      taskId: data.taskId,
      project: data.project,
      event: data.event,
      url: url.slice(0, 2048),
      attempt,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error?.slice(0, 500) ?? null,
      createdAt: new Date(),
    });
    if (result.error === null) return;
    this.logger.warn({
      task_id: data.taskId,
      webhook_id: data.webhookId,
      msg: `webhook delivery try ${attempt} failed: ${result.error}`,
    });
    // A URL that resolves to a refused address is not tried again.
    if (refused) throw new UnrecoverableError(result.error);
    throw new Error(result.error);
  }
}
