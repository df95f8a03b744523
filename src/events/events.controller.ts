import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { DEFAULT_PROJECT } from '../core/project';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { filter, map, Observable } from 'rxjs';
import { Caller, Roles } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { readProject } from '../auth/project-scope';
import { EventBus } from './event-bus.service';

@ApiTags('events')
@Controller('api/events')
@Roles('viewer')
export class EventsController {
  constructor(private readonly bus: EventBus) {}

  /**
   * Server-Sent Events: the creation, status changes and progress of every task of the
   * caller's project (of every project for an admin key of `*`), from every worker.
   */
  @Sse()
  @ApiOperation({ summary: 'Live task events of your project (Server-Sent Events)' })
  stream(@Caller() caller: Principal): Observable<MessageEvent> {
    const project = readProject(caller);
    return this.bus.events.pipe(
      // An event from a process older than projects carries none: it is of `default`.
      filter((event) => project === undefined || (event.project ?? DEFAULT_PROJECT) === project),
      // The project routes the event; the wire keeps the event's shape of §5.
      map(({ project: _project, ...event }) => ({ type: event.type, data: event })),
    );
  }
}
