import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WEBHOOKS_QUEUE } from './webhook-jobs';
import { WebhookProcessor } from './webhook.processor';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * §11 webhooks. Every role announces the final statuses it writes; the API serves the REST
 * side; workers deliver (importing the @Processor starts a BullMQ worker, so only there).
 */
@Module({})
export class WebhooksModule {
  static forRole({ http, workers }: { http: boolean; workers: boolean }): DynamicModule {
    return {
      module: WebhooksModule,
      imports: [BullModule.registerQueue({ name: WEBHOOKS_QUEUE })],
      controllers: http ? [WebhooksController] : [],
      providers: [
        WebhookDispatcher,
        ...(http ? [WebhooksService] : []),
        ...(workers ? [WebhookProcessor] : []),
      ],
    };
  }
}
