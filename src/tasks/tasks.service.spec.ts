import { DEFAULT_PROJECT, EVERY_PROJECT } from '../core/project';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { StoredFile } from '../database/stored-file.entity';
import { PendingUpload } from '../files/pending-upload.entity';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { TaskEvent } from '../events/task-event';
import { FilesService } from '../files/files.service';
import { openStorage } from '../storage/open-storage';
import { RequestValidationError } from '../http/domain-error';
import { LimitsRedis } from '../limits/limits-redis';
import { QuotaService } from '../limits/quota.service';
import { TaskQueueService } from '../queue/task-queue.service';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import {
  CannotCancelError,
  CannotRetryError,
  TaskNotFoundError,
  UnknownTaskTypeError,
} from './task-errors';
import { TasksService } from './tasks.service';

/** The rules on a real store (SQLite file); the queue and the bus are stand-ins that remember. */
describe('TasksService', () => {
  let database: TestDatabase;
  let store: TaskStore;
  let service: TasksService;
  let enqueued: string[];
  let removed: string[];
  let cancelRequests: string[];
  let published: TaskEvent[];
  /** What the service did, in order: `created <id>` once in the stream, `enqueued <id>`. */
  let steps: string[];
  let limitsRedis: LimitsRedis;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Its own Redis prefix: the daily e-mail count of the quota lives there.
    database = await openTestDatabase('sqlite', {
      QUEUE_PREFIX: `unit-tasks-${randomUUID().slice(0, 8)}`,
    });
    limitsRedis = new LimitsRedis(database.config);
    store = new TaskStore(database.dataSource.getRepository(Task), database.config);
    const files = new FilesService(
      openStorage(database.config.storage),
      database.dataSource.getRepository(StoredFile),
      database.dataSource.getRepository(PendingUpload),
    );
    const queue: Pick<TaskQueueService, 'enqueue' | 'enqueueMany' | 'remove'> = {
      enqueue: (task) => {
        enqueued.push(task.id);
        steps.push(`enqueued ${task.id}`);
        return Promise.resolve(true);
      },
      enqueueMany: (tasks) => {
        enqueued.push(...tasks.map((task) => task.id));
        steps.push(...tasks.map((task) => `enqueued ${task.id}`));
        return Promise.resolve(true);
      },
      remove: (taskId) => {
        removed.push(taskId);
        return Promise.resolve();
      },
    };
    const bus: Pick<EventBus, 'publish' | 'publishInOrder' | 'requestCancel'> = {
      publish: (event) => published.push(event),
      publishInOrder: async (events) => {
        await new Promise((resolve) => setImmediate(resolve));
        published.push(...events);
        steps.push(...events.map((event) => `${event.type} ${event.task_id}`));
      },
      requestCancel: (taskId) => cancelRequests.push(taskId),
    };
    service = new TasksService(
      store,
      queue as TaskQueueService,
      bus as EventBus,
      files,
      database.config,
      new QuotaService(database.config, limitsRedis, database.dataSource),
    );
  });

  beforeEach(() => {
    enqueued = [];
    removed = [];
    cancelRequests = [];
    published = [];
    steps = [];
  });

  afterAll(async () => {
    await database?.drop();
    limitsRedis?.disconnect();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  it('stores a submitted task PENDING with its defaults, announces it and enqueues it', async () => {
    const task = await service.submit(
      { task_type: 'csv_processing', input_params: { num_rows: 10 } },
      DEFAULT_PROJECT,
    );
    expect(await store.findById(task.id, EVERY_PROJECT)).toMatchObject({
      status: 'PENDING',
      taskType: 'csv_processing',
      inputParams: { num_rows: 10, has_header: true, processing_time: 0 },
    });
    expect(published).toMatchObject([{ type: 'created', task_id: task.id, status: 'PENDING' }]);
    // Announced before a worker can take it, so no event of its run comes first.
    expect(steps).toEqual([`created ${task.id}`, `enqueued ${task.id}`]);
  });

  it('refuses an unknown task type, and params the type does not accept', async () => {
    await expect(
      service.submit({ task_type: 'video_encoding', input_params: {} }, DEFAULT_PROJECT),
    ).rejects.toBeInstanceOf(UnknownTaskTypeError);
    await expect(
      service.submit(
        { task_type: 'csv_processing', input_params: { num_rows: 0 } },
        DEFAULT_PROJECT,
      ),
    ).rejects.toBeInstanceOf(RequestValidationError);
    expect(enqueued).toEqual([]);
  });

  it('locates an upload that does not exist under body.input_params', async () => {
    const missing = randomUUID();
    const error = await service
      .submit({ task_type: 'csv_processing', input_params: { file_id: missing } }, DEFAULT_PROJECT)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).problems).toMatchObject([
      { loc: ['body', 'input_params', 'file_id'], type: 'file_not_found' },
    ]);
  });

  it('creates a bulk in order, with defaults, one event and one job per task', async () => {
    const tasks = await service.submitMany(
      [
        { task_type: 'csv_processing', input_params: { num_rows: 3 } },
        { task_type: 'email_sending' },
        { task_type: 'image_processing', input_params: null },
      ],
      'bulk-order',
    );
    expect(tasks.map((task) => task.taskType)).toEqual([
      'csv_processing',
      'email_sending',
      'image_processing',
    ]);
    expect(tasks[0].inputParams).toEqual({ num_rows: 3, has_header: true, processing_time: 0 });
    for (const task of tasks) {
      expect(await store.findById(task.id, EVERY_PROJECT)).toMatchObject({
        status: 'PENDING',
        project: 'bulk-order',
      });
    }
    expect(steps).toEqual([
      ...tasks.map((task) => `created ${task.id}`),
      ...tasks.map((task) => `enqueued ${task.id}`),
    ]);
  });

  it('refuses a whole bulk for its bad items, each problem under its index, creating none', async () => {
    const before = await store.count({ project: 'bulk-bad' }, {});
    const error = await service
      .submitMany(
        [
          { task_type: 'csv_processing', input_params: { num_rows: 1 } },
          { task_type: 'video_encoding' },
          { task_type: 'csv_processing', input_params: { num_rows: 0 } },
          { task_type: 'csv_processing', input_params: { file_id: randomUUID() } },
          { input_params: {} },
          { task_type: 'csv_processing', colour: 'red' },
          7,
        ],
        'bulk-bad',
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).problems).toMatchObject([
      { loc: ['body', 'tasks', 1, 'task_type'], type: 'enum' },
      { loc: ['body', 'tasks', 2, 'input_params', 'num_rows'] },
      { loc: ['body', 'tasks', 4, 'task_type'], type: 'missing' },
      { loc: ['body', 'tasks', 5, 'colour'], type: 'extra_forbidden' },
      { loc: ['body', 'tasks', 6], type: 'dict_type' },
    ]);
    // The file problem of item 3 comes once the params of every item are right.
    const files = await service
      .submitMany(
        [
          { task_type: 'csv_processing', input_params: { num_rows: 1 } },
          { task_type: 'csv_processing', input_params: { file_id: randomUUID() } },
        ],
        'bulk-bad',
      )
      .catch((caught: unknown) => caught);
    expect((files as RequestValidationError).problems).toMatchObject([
      { loc: ['body', 'tasks', 1, 'input_params', 'file_id'], type: 'file_not_found' },
    ]);
    expect(await store.count({ project: 'bulk-bad' }, {})).toBe(before);
    expect(enqueued).toEqual([]);
    expect(published).toEqual([]);
  });

  it('counts the whole bulk against QUOTA_ACTIVE_TASKS', async () => {
    const quotas = new QuotaService(
      { ...database.config, limits: { ...database.config.limits, quotaActiveTasks: 3 } } as never,
      limitsRedis,
      database.dataSource,
    );
    const limited = new TasksService(
      store,
      { enqueueMany: () => Promise.resolve(true) } as unknown as TaskQueueService,
      { publishInOrder: () => Promise.resolve() } as unknown as EventBus,
      new FilesService(
        openStorage(database.config.storage),
        database.dataSource.getRepository(StoredFile),
        database.dataSource.getRepository(PendingUpload),
      ),
      database.config,
      quotas,
    );
    const four = Array.from({ length: 4 }, () => ({ task_type: 'csv_processing' }));
    await expect(limited.submitMany(four, 'bulk-quota')).rejects.toMatchObject({ status: 429 });
    expect(await store.count({ project: 'bulk-quota' }, {})).toBe(0);
    await expect(limited.submitMany(four.slice(1), 'bulk-quota')).resolves.toHaveLength(3);
  });

  it('finds a task by its id in any letter case, and nothing for a malformed id', async () => {
    const task = await service.submit(
      { task_type: 'email_sending', input_params: {} },
      DEFAULT_PROJECT,
    );
    expect((await service.get(task.id.toUpperCase(), EVERY_PROJECT)).id).toBe(task.id);
    await expect(service.get('not-a-uuid', EVERY_PROJECT)).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
    await expect(service.get(randomUUID(), EVERY_PROJECT)).rejects.toBeInstanceOf(
      TaskNotFoundError,
    );
  });

  it('cancels a PENDING task: row, job, workers told, event', async () => {
    const task = await service.submit(
      { task_type: 'image_processing', input_params: {} },
      DEFAULT_PROJECT,
    );
    published = [];
    await service.cancel(task.id, EVERY_PROJECT);
    expect((await store.findById(task.id, EVERY_PROJECT))?.status).toBe('CANCELLED');
    expect(removed).toEqual([task.id]);
    expect(cancelRequests).toEqual([task.id]);
    expect(published).toMatchObject([{ type: 'status', task_id: task.id, status: 'CANCELLED' }]);
  });

  it('cancels a RUNNING task without touching its job, which its worker stops', async () => {
    const task = await service.submit(
      { task_type: 'csv_processing', input_params: {} },
      DEFAULT_PROJECT,
    );
    await store.markRunning(task.id);
    await service.cancel(task.id, EVERY_PROJECT);
    expect((await store.findById(task.id, EVERY_PROJECT))?.status).toBe('CANCELLED');
    expect(removed).toEqual([]);
    expect(cancelRequests).toEqual([task.id]);
  });

  it('refuses to cancel a finished task, naming its status', async () => {
    const task = await service.submit(
      { task_type: 'csv_processing', input_params: {} },
      DEFAULT_PROJECT,
    );
    await store.markRunning(task.id);
    await store.markSucceeded(task.id, {});
    const error = await service.cancel(task.id, EVERY_PROJECT).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CannotCancelError);
    expect((error as Error).message).toBe('Cannot cancel task with status: SUCCESS');
  });

  it('retries a FAILED or CANCELLED task as a new one with the same params', async () => {
    const failed = await service.submit(
      { task_type: 'csv_processing', input_params: { num_rows: 7 } },
      DEFAULT_PROJECT,
    );
    await store.markRunning(failed.id);
    await store.markFailed(failed.id, 'boom');
    const retry = await service.retry(failed.id, EVERY_PROJECT);
    expect(retry.id).not.toBe(failed.id);
    expect(await store.findById(retry.id, EVERY_PROJECT)).toMatchObject({
      status: 'PENDING',
      retryOf: failed.id,
      inputParams: failed.inputParams,
    });
    const cancelled = await service.submit(
      { task_type: 'csv_processing', input_params: {} },
      DEFAULT_PROJECT,
    );
    await service.cancel(cancelled.id, EVERY_PROJECT);
    expect((await service.retry(cancelled.id, EVERY_PROJECT)).retryOf).toBe(cancelled.id);
  });

  it('refuses to retry a task that has not finished badly', async () => {
    const pending = await service.submit(
      { task_type: 'csv_processing', input_params: {} },
      DEFAULT_PROJECT,
    );
    await expect(service.retry(pending.id, EVERY_PROJECT)).rejects.toBeInstanceOf(CannotRetryError);
  });

  it('lists a filtered page with the exact total', async () => {
    const { tasks, total } = await service.list(
      {
        task_type: 'email_sending',
        limit: 1,
        offset: 0,
      },
      EVERY_PROJECT,
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0].taskType).toBe('email_sending');
    expect(total).toBeGreaterThanOrEqual(1);
  });
});
