import { WorkerHost } from '@nestjs/bullmq';
import type { DiscoveryService, ModuleRef } from '@nestjs/core';
import { Job, Queue, WaitingError, Worker } from 'bullmq';
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

// The bus is read only on module init, which these tests do not run.
const registry = (): CancelRegistry => new CancelRegistry({} as EventBus);

/**
 * The lifecycle over real BullMQ workers. Nest's registries are stood in for: they only hand
 * over the workers, and a whole worker app would bring every processor's services with it.
 */
function lifecycleOver(
  taskWorkers: Worker[],
  webhookWorker: Worker,
  cancels = registry(),
  shutdownGraceMs = 5_000,
): WorkerLifecycle {
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
    { shutdownGraceMs } as AppConfig,
    cancels,
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

/**
 * A task that outlives the grace period is handed back, and Redis dies just then: the hand-back
 * cannot reach it. The drain must still end, and the job come back once Redis does.
 */
describe('WorkerLifecycle shutdown when Redis dies during the hand-back', () => {
  const [longType] = TASK_TYPES;
  let proxy: TcpProxy;
  let prefix: string;
  let workers: Worker[];
  let queue: Queue;
  let rescuer: Worker | undefined;

  beforeEach(async () => {
    workers = [];
    rescuer = undefined;
    proxy = await TcpProxy.start(REDIS_URL.hostname, Number(REDIS_URL.port || 6379));
    prefix = `conveyor-unit-${randomBytes(6).toString('hex')}`;
    queue = new Queue(longType, { connection: { url: REDIS }, prefix });
  });

  afterEach(async () => {
    await proxy.cut();
    await Promise.all(workers.map((worker) => worker.close(true)));
    await rescuer?.close();
    await queue.close();
    await removeKeysUnder(REDIS, prefix);
  });

  it('ends the drain without Redis and leaves the job to come back', async () => {
    const cancels = registry();
    const connection = { host: '127.0.0.1', port: proxy.port };
    let handBackBegun = false;
    // As the task runner does: the run ends on the shutdown's abort and moves its job back to
    // wait, which with Redis gone waits in the connection.
    const runUntilHandedBack = async (job: Job, token?: string): Promise<void> => {
      const controller = cancels.register(job.id!);
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      await proxy.cut();
      handBackBegun = true;
      try {
        await job.moveToWait(token);
      } finally {
        cancels.unregister(job.id!);
      }
      throw new WaitingError();
    };
    workers = TASK_TYPES.map(
      (type) =>
        new Worker(type, type === longType ? runUntilHandedBack : () => Promise.resolve(), {
          connection,
          prefix,
          // The job's lock, and the stalled check's turn, expire soon: for the check below.
          lockDuration: 1_000,
          stalledInterval: 1_000,
        }),
    );
    const webhookWorker = new Worker('webhooks', () => Promise.resolve(), { connection, prefix });
    workers.push(webhookWorker);
    await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    const job = await queue.add('long', {});
    await waitFor('the task to run', () => cancels.runningCount === 1, { timeoutMs: 10_000 });

    await lifecycleOver(
      workers.slice(0, -1),
      webhookWorker,
      cancels,
      500,
    ).beforeApplicationShutdown();
    expect(handBackBegun).toBe(true);
    for (const worker of workers) expect(worker.isRunning()).toBe(false);

    // Redis back (a new worker reaching it): the stalled check returns the job, which runs again.
    let runs = 0;
    rescuer = new Worker(
      longType,
      async () => {
        runs++;
      },
      {
        connection: { url: REDIS },
        prefix,
        stalledInterval: 500,
      },
    );
    await waitFor(
      'the job to run again',
      async () => (await queue.getJobState(job.id!)) === 'completed',
      {
        timeoutMs: 15_000,
      },
    );
    expect(runs).toBe(1);
  }, 40_000);
});
