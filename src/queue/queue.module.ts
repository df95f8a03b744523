import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { bullmqConnection } from '../config/bullmq-connection';
import { TASK_TYPES } from '../core/task-type';
import { CancelRegistry } from './cancel-registry';
import { QueueControl } from './queue-control.service';
import { QueueShutdown } from './queue-shutdown.service';
import { queueNameOf, TASK_QUEUES } from './task-job';
import { TaskQueueService } from './task-queue.service';
import { TaskRecovery } from './task-recovery.service';
import { TaskRunner } from './task-runner.service';
import { ThreadPool } from './thread-pool.service';
import { WORKER_PROVIDERS } from '../task-types/processors';
import { WorkerLifecycle } from './worker-lifecycle.service';
import { WorkerRegistry } from '../workers/worker-registry.service';

const queues = () => [
  BullModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      connection: bullmqConnection(config.redis),
      prefix: config.queuePrefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: { count: 1000 } },
    }),
  }),
  BullModule.registerQueue(...TASK_TYPES.map((type) => ({ name: queueNameOf(type) }))),
];

/** The queues as one record by task type, for TaskQueueService. */
const taskQueues: Provider = {
  provide: TASK_QUEUES,
  inject: TASK_TYPES.map((type) => getQueueToken(queueNameOf(type))),
  useFactory: (...queues: Queue[]) =>
    Object.fromEntries(TASK_TYPES.map((type, index) => [type, queues[index]])),
};

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
      imports: [...queues(), DiscoveryModule],
      providers: [taskQueues, TaskQueueService, QueueControl, QueueShutdown, TaskRecovery],
      exports: [TaskQueueService, QueueControl],
    };
  }

  static forWorker({ recovery }: { recovery: boolean }): DynamicModule {
    const workerProviders: Provider[] = [
      TaskRunner,
      ThreadPool,
      CancelRegistry,
      WorkerLifecycle,
      WorkerRegistry,
      ...WORKER_PROVIDERS,
    ];
    return {
      module: QueueModule,
      global: true,
      imports: [...queues(), DiscoveryModule],
      providers: [
        taskQueues,
        TaskQueueService,
        QueueControl,
        QueueShutdown,
        ...workerProviders,
        ...(recovery ? [TaskRecovery] : []),
      ],
      exports: [TaskQueueService, QueueControl],
    };
  }
}
