import { Module } from '@nestjs/common';
import { QueuesController } from './queues.controller';

/** The HTTP side of the queues; QueueControl comes from the global QueueModule. */
@Module({ controllers: [QueuesController] })
export class QueuesModule {}
