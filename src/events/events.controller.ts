import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/auth.decorators';
import { AuthenticatedRequest } from '../auth/principal';
import { EventStreams } from './event-streams.service';

@ApiTags('events')
@Controller('api/events')
@Roles('viewer')
export class EventsController {
  constructor(private readonly streams: EventStreams) {}

  /**
   * Server-Sent Events: the creation, status changes and progress of the caller's project's
   * tasks, from every worker, and a heartbeat comment every SSE_HEARTBEAT_MS.
   */
  @Get()
  @ApiProduces('text/event-stream')
  @ApiOperation({ summary: 'Live task events (Server-Sent Events)' })
  async stream(@Req() request: AuthenticatedRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.streams.open(request, reply.raw, () => void reply.hijack());
  }
}
