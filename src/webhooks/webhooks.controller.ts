import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../audit/audit.decorator';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { scopeOf, writeProject } from '../auth/project-scope';
import { IdParamPipe } from '../http/id-param.pipe';
import { CreateWebhookDto } from './create-webhook.dto';
import { ListDeliveriesQuery } from './list-deliveries.query';
import { WebhookNotFoundError } from './webhook-errors';
import {
  toDeliveryResponse,
  toWebhookResponse,
  WebhookDeliveryResponse,
  WebhookResponse,
} from './webhook.response';
import { WebhooksService } from './webhooks.service';

const WEBHOOK_ID = new IdParamPipe(() => new WebhookNotFoundError());

/** §11: a project's webhooks and their delivery log. */
@ApiTags('webhooks')
@Controller('api/webhooks')
@Roles('viewer')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  @Roles('operator')
  @Audit('webhook.create')
  @ApiOperation({ summary: 'Add a webhook; its signing secret is in this answer only' })
  async create(
    @Body() body: CreateWebhookDto,
    @Caller() caller: Principal,
  ): Promise<WebhookResponse & { secret: string }> {
    const { row, secret } = await this.webhooks.create(body, writeProject(caller));
    return { ...toWebhookResponse(row), secret };
  }

  @Get()
  @ApiOperation({ summary: "The project's webhooks, newest first (never their secrets)" })
  async list(@Caller() caller: Principal): Promise<WebhookResponse[]> {
    return (await this.webhooks.list(scopeOf(caller))).map(toWebhookResponse);
  }

  @Delete(':id')
  @Roles('operator')
  @Audit('webhook.delete')
  @ApiOperation({ summary: 'Delete a webhook and its delivery log; nothing more is sent to it' })
  async delete(
    @Param('id', WEBHOOK_ID) id: string,
    @Caller() caller: Principal,
  ): Promise<WebhookResponse> {
    return toWebhookResponse(await this.webhooks.delete(id, scopeOf(caller)));
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The webhook's newest delivery tries, newest first" })
  async deliveries(
    @Param('id', WEBHOOK_ID) id: string,
    @Query() query: ListDeliveriesQuery,
    @Caller() caller: Principal,
  ): Promise<{ deliveries: WebhookDeliveryResponse[] }> {
    const rows = await this.webhooks.deliveriesOf(id, scopeOf(caller), query.limit);
    return { deliveries: rows.map(toDeliveryResponse) };
  }
}
