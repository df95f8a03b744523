import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { map, Observable } from 'rxjs';
import { Roles } from '../auth/auth.decorators';
import { EventBus } from './event-bus.service';

@ApiTags('events')
@Controller('api/events')
@Roles('viewer')
export class EventsController {
  constructor(private readonly bus: EventBus) {}

  /** Server-Sent Events: every task's creation, status changes and progress, from every worker. */
  @Sse()
  @ApiOperation({ summary: 'Live task events (Server-Sent Events)' })
  stream(): Observable<MessageEvent> {
    return this.bus.events.pipe(map((event) => ({ type: event.type, data: event })));
  }
}
