import { DynamicModule, Module } from '@nestjs/common';
import { EventBus } from './event-bus.service';
import { EventsController } from './events.controller';
import { EventStreams } from './event-streams.service';

@Module({})
export class EventsModule {
  /** The bus alone (workers), or with the SSE endpoint too (API). */
  static forRoot({ http }: { http: boolean }): DynamicModule {
    return {
      module: EventsModule,
      global: true,
      controllers: http ? [EventsController] : [],
      providers: http ? [EventBus, EventStreams] : [EventBus],
      exports: [EventBus],
    };
  }
}
