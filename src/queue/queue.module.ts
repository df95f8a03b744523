import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../config/redis-options';
import { TASK_TYPES } from '../core/task-type';
import { CancelRegistry } from './cancel-registry';
import { MailTransport } from '../task-types/email/mail-transport.service';
import { queueNameOf } from './task-job';
import { TaskQueueService } from './task-queue.service';
import { TaskRecovery } from './task-recovery.service';
import { TaskRunner } from './task-runner.service';
import { PROCESSORS } from '../task-types/processors';
import { WorkerLifecycle } from './worker-lifecycle.service';

const queues = () => [
  BullModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      connection: redisOptionsFromUrl(config.redis.url),
      prefix: config.queuePrefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 } },
    }),
  }),
  BullModule.registerQueue(...TASK_TYPES.map((type) => ({ name: queueNameOf(type) }))),
];

/**
 * BullMQ queues, one per task type. The producer side is in every role; processors only where
 * workers run, because importing a @Processor class starts a BullMQ worker in that process.
 */
@Module({})
export class QueueModule {
  /** API instances also run TaskRecovery, which keeps rows and jobs in step. */
  static forProducer(): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: queues(),
      providers: [TaskQueueService, TaskRecovery],
      exports: [TaskQueueService],
    };
  }

  static forWorker({ recovery }: { recovery: boolean }): DynamicModule {
    const workerProviders: Provider[] = [
      TaskRunner,
      CancelRegistry,
      MailTransport,
      WorkerLifecycle,
      ...Object.values(PROCESSORS),
    ];
    return {
      module: QueueModule,
      global: true,
      imports: queues(),
      providers: [TaskQueueService, ...workerProviders, ...(recovery ? [TaskRecovery] : [])],
      exports: [TaskQueueService],
    };
  }
}
