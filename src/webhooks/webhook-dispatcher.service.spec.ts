import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { redisOptionsFromUrl } from '../config/redis-options';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { Webhook } from './webhook.entity';
import { TaskFinishedJob, WEBHOOKS_QUEUE } from './webhook-jobs';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Which finished tasks get a fan-out job, on a real database and a real BullMQ queue. */
describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('WebhookDispatcher on %s', (kind) => {
  let database: TestDatabase;
  let queue: Queue<TaskFinishedJob>;
  let store: TaskStore;
  let dispatcher: WebhookDispatcher;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    queue = new Queue<TaskFinishedJob>(WEBHOOKS_QUEUE, {
      connection: redisOptionsFromUrl(REDIS_URL),
      prefix: `conveyor-unit-${randomBytes(6).toString('hex')}`,
    });
    const tasks = database.dataSource.getRepository(Task);
    store = new TaskStore(tasks, database.config);
    dispatcher = new WebhookDispatcher(store, queue, tasks);
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const taskIn = async (project: string, callbackUrl: string | null = null) =>
    (
      await store.insert({
        taskType: 'csv_processing',
        inputParams: { num_rows: 1 },
        retryOf: null,
        project,
        callbackUrl,
      })
    ).id;

  const announced = async (taskId: string) => {
    await dispatcher.announce({ taskId, status: 'SUCCESS' });
    return (await queue.getJob(`finished-${taskId}`))?.data;
  };

  it('queues nothing for a task without a callback_url in a project without webhooks', async () => {
    expect(await announced(await taskIn('quiet'))).toBeUndefined();
  });

  it('queues the fan-out for a task with a callback_url, or in a project with a webhook', async () => {
    const withCallback = await taskIn('quiet', 'https://example.com/done');
    expect(await announced(withCallback)).toEqual({ taskId: withCallback, status: 'SUCCESS' });

    await database.dataSource.getRepository(Webhook).insert({
      id: randomUUID(),
      project: 'hooked',
      url: 'https://example.com/hook',
      events: ['task.succeeded'],
      secret: 'sealed',
      createdAt: new Date(),
    });
    const inHookedProject = await taskIn('hooked');
    expect(await announced(inHookedProject)).toEqual({
      taskId: inHookedProject,
      status: 'SUCCESS',
    });
    // Another project's webhook is no receiver of this one's tasks.
    expect(await announced(await taskIn('quiet'))).toBeUndefined();
  });

  it('queues nothing for a task that is not there', async () => {
    expect(await announced(randomUUID())).toBeUndefined();
  });
});
