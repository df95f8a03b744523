import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { closeQueueWithoutRedis, providersOf, redisAnswers } from './redis-outage';

/**
 * Lets a process shut down while Redis is away. Every BullMQ queue of the process (the task
 * types' and the webhooks') would otherwise wait in Queue.close() until Redis came back;
 * nothing can be added to a queue meanwhile anyway, and the recovery sweep enqueues what a
 * PENDING row still lacks once Redis is back.
 */
@Injectable()
export class QueueShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueShutdown.name);

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    const queues = providersOf(this.discovery, Queue);
    if (await redisAnswers(queues[0])) return;
    this.logger.warn(`Redis does not answer: closing ${queues.length} queue(s) without it`);
    await Promise.all(queues.map(closeQueueWithoutRedis));
  }
}
