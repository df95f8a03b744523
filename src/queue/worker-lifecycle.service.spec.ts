import { WorkerHost } from '@nestjs/bullmq';
import type { DiscoveryService, ModuleRef } from '@nestjs/core';
import { Queue, Worker } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { removeKeysUnder } from '../../test/utils/redis-keys';
import { TcpProxy } from '../../test/utils/tcp-proxy';
import { waitFor } from '../../test/utils/wait-for';
import type { AppConfig } from '../config/app-config';
import { TASK_TYPES } from '../core/task-type';
import { PROCESSORS } from '../task-types/processors';
import type { EventBus } from '../events/event-bus.service';
import { CancelRegistry } from './cancel-registry';
import { WorkerLifecycle } from './worker-lifecycle.service';

const REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_URL = new URL(REDIS);

/** A worker as @nestjs/bullmq hosts it, found by the lifecycle among the app's providers. */
class HostOf extends WorkerHost {
  constructor(private readonly hosted: Worker) {
    super();
  }

  override get worker(): Worker {
    return this.hosted;
  }

  process(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The lifecycle over real BullMQ workers. Nest's registries are stood in for: they only hand
 * over the workers, and a whole worker app would bring every processor's services with it.
 */
function lifecycleOver(taskWorkers: Worker[], webhookWorker: Worker): WorkerLifecycle {
  const hosts = new Map(
    TASK_TYPES.map((type, i) => [PROCESSORS[type], new HostOf(taskWorkers[i])]),
  );
  const moduleRef = { get: (processor: unknown) => hosts.get(processor as never) };
  const discovery = {
    getProviders: () =>
      [...hosts.values(), new HostOf(webhookWorker)].map((instance) => ({ instance })),
  };
  return new WorkerLifecycle(
    moduleRef as unknown as ModuleRef,
    { shutdownGraceMs: 5_000 } as AppConfig,
    // The bus is read only on module init, which this test does not run.
    new CancelRegistry({} as EventBus),
    discovery as unknown as DiscoveryService,
  );
}

/**
 * SIGTERM's drain with a webhook delivery in flight, every worker reaching Redis through a relay
 * the test cuts once the drain has begun.
 */
describe('WorkerLifecycle shutdown with a webhook delivery running', () => {
  let proxy: TcpProxy;
  let prefix: string;
  let taskWorkers: Worker[];
  let webhookWorker: Worker;
  let webhookQueue: Queue;
  let deliveryStarted: Promise<void>;
  let releaseDelivery: () => void;

  beforeEach(async () => {
    proxy = await TcpProxy.start(REDIS_URL.hostname, Number(REDIS_URL.port || 6379));
    prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
    const connection = { host: '127.0.0.1', port: proxy.port };
    taskWorkers = TASK_TYPES.map(
      (type) => new Worker(type, () => Promise.resolve(), { connection, prefix }),
    );
    let started!: () => void;
    deliveryStarted = new Promise((resolve) => (started = resolve));
    const released = new Promise<void>((resolve) => (releaseDelivery = resolve));
    webhookWorker = new Worker(
      'webhooks',
      async () => {
        started();
        await released;
      },
      { connection, prefix },
    );
    webhookQueue = new Queue('webhooks', { connection: { url: REDIS }, prefix });
    await Promise.all([...taskWorkers, webhookWorker].map((worker) => worker.waitUntilReady()));
  });

  afterEach(async () => {
    releaseDelivery();
    await proxy.cut();
    await Promise.all([...taskWorkers, webhookWorker].map((worker) => worker.close(true)));
    await webhookQueue.close();
    await removeKeysUnder(REDIS, prefix);
  });

  it('closes the webhook worker with the task workers, though Redis died during the drain', async () => {
    const webhookClosed = new Promise<void>((resolve) =>
      webhookWorker.once('closed', () => resolve()),
    );
    await webhookQueue.add('delivery', {});
    await deliveryStarted;

    const shutdown = lifecycleOver(taskWorkers, webhookWorker).beforeApplicationShutdown();
    // Before the change the drain left this worker to @nestjs/bullmq, whose close came later
    // and waited for a Redis that was gone.
    await waitFor('the webhook worker to be closing', () => webhookWorker.closing !== undefined, {
      timeoutMs: 10_000,
    });
    await proxy.cut();
    releaseDelivery();

    await shutdown;
    await webhookClosed;
    expect(webhookWorker.isRunning()).toBe(false);
  }, 30_000);
});
