import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ProjectScope } from '../core/project';
import { Webhook, WebhookEvent } from './webhook.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { badWebhookField, WebhookNotFoundError } from './webhook-errors';
import { RefusedTargetError, resolveTarget } from './webhook-target';
import { SecretBox } from './secret-box';

/** A project has at most this many webhooks: each finished task is sent to every one. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;

/** Creates, lists and deletes webhooks, and reads their delivery log, within a project scope. */
@Injectable()
export class WebhooksService {
  private readonly box: SecretBox;

  constructor(
    @InjectRepository(Webhook) private readonly webhooks: Repository<Webhook>,
    @InjectRepository(WebhookDelivery) private readonly deliveries: Repository<WebhookDelivery>,
    private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.webhooks.secretKey);
  }

  async create(
    wanted: { url: string; events: WebhookEvent[]; secret?: string },
    project: string,
  ): Promise<{ row: Webhook; secret: string }> {
    try {
      await resolveTarget(wanted.url, this.config.webhooks.allowPrivate);
    } catch (error) {
      if (error instanceof RefusedTargetError) throw badWebhookField('url', error.message);
      throw error;
    }
    if ((await this.webhooks.countBy({ project })) >= MAX_WEBHOOKS_PER_PROJECT) {
      throw badWebhookField(
        'url',
        `cannot be added: the project has ${MAX_WEBHOOKS_PER_PROJECT} webhooks, the most it may have`,
      );
    }
    const secret = wanted.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
    const row = this.webhooks.create({
      id: randomUUID(),
      project,
      url: wanted.url,
      events: [...new Set(wanted.events)],
      secret: this.box.seal(secret),
      createdAt: new Date(),
    });
    await this.webhooks.insert(row);
    return { row, secret };
  }

  /** Newest first. */
  list(scope: ProjectScope): Promise<Webhook[]> {
    return this.webhooks.find({
      where: scope.project ? { project: scope.project } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  async get(id: string, scope: ProjectScope): Promise<Webhook> {
    const row = await this.webhooks.findOneBy({
      id,
      ...(scope.project ? { project: scope.project } : {}),
    });
    if (!row) throw new WebhookNotFoundError();
    return row;
  }

  /** Deletes the webhook and its log; deliveries already queued find it gone and stop. */
  async delete(id: string, scope: ProjectScope): Promise<Webhook> {
    const row = await this.get(id, scope);
    await this.webhooks.delete({ id: row.id });
    await this.deliveries.delete({ webhookId: row.id });
    return row;
  }

  /** The newest `limit` tries, newest first. */
  async deliveriesOf(id: string, scope: ProjectScope, limit: number): Promise<WebhookDelivery[]> {
    const row = await this.get(id, scope);
    return this.deliveries.find({
      where: { webhookId: row.id },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
    });
  }
}
