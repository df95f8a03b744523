import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { EVERY_PROJECT } from '../core/project';
import { EmailDelivery } from '../database/email-delivery.entity';
import { StoredFile } from '../database/stored-file.entity';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { openStorage } from '../storage/open-storage';
import { ObjectStorage } from '../storage/object-storage';
import { outboxKey, outputFolder, outputKey, uploadKey } from '../storage/storage-keys';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import { RetentionLock } from './retention-lock';
import { TaskRemoval } from './task-removal.entity';
import { TaskRetention } from './task-retention.service';

const DAY = 86_400_000;

/** Real SQLite, the real disk store and the real Redis lock; the fault is one failed removal. */
describe('TaskRetention when a sweep stops between the rows and the files', () => {
  let database: TestDatabase;
  let store: TaskStore;
  let storage: ObjectStorage;
  let lock: RetentionLock;
  let retention: TaskRetention;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase('sqlite', {
      RETENTION_DAYS: '1',
      QUEUE_PREFIX: `unit-retention-${randomUUID().slice(0, 8)}`,
    });
    const { dataSource, config } = database;
    store = new TaskStore(dataSource.getRepository(Task), config);
    storage = openStorage(config.storage);
    lock = new RetentionLock(config);
    retention = new TaskRetention(
      config,
      storage,
      lock,
      dataSource.getRepository(Task),
      dataSource.getRepository(EmailDelivery),
      dataSource.getRepository(StoredFile),
      dataSource.getRepository(TaskRemoval),
    );
  });

  afterAll(async () => {
    await lock?.onApplicationShutdown();
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const exists = async (key: string): Promise<boolean> =>
    storage.open(key).then(
      async (object) => {
        object.body.destroy();
        return true;
      },
      () => false,
    );

  /** A task finished two days ago that wrote an output and an outbox file and named an upload. */
  async function oldFinishedTask(): Promise<{ task: Task; uploadId: string }> {
    const uploadId = randomUUID();
    await database.dataSource.getRepository(StoredFile).insert({
      id: uploadId,
      filename: 'data.csv',
      size: 5,
      contentType: 'text/csv',
      kind: 'csv',
      sha256: '0'.repeat(64),
      createdAt: new Date(),
      usedAt: new Date(),
      project: 'default',
    });
    await storage.put(uploadKey(uploadId), Readable.from(['a,b\n']));
    const task = await store.insert({
      taskType: 'csv_processing',
      inputParams: { file_id: uploadId },
      retryOf: null,
      project: 'default',
    });
    await store.markRunning(task.id);
    await store.markSucceeded(task.id, {});
    await database.dataSource
      .getRepository(Task)
      .update({ id: task.id }, { completedAt: new Date(Date.now() - 2 * DAY) });
    await storage.put(outputKey(task.id, 'report.txt'), Readable.from(['done']));
    await storage.put(outboxKey(task.id, 'message.eml'), Readable.from(['mail']));
    return { task, uploadId };
  }

  it('leaves the files to the next sweep, which removes them', async () => {
    const { task, uploadId } = await oldFinishedTask();
    const removeFolder = jest
      .spyOn(storage, 'removeFolder')
      .mockRejectedValueOnce(new Error('the disk went away'));

    await expect(retention.sweep()).rejects.toThrow('the disk went away');
    expect(await store.findById(task.id, EVERY_PROJECT)).toBeNull();
    expect(await exists(outputKey(task.id, 'report.txt'))).toBe(true);
    const pending = await database.dataSource.getRepository(TaskRemoval).find();
    expect(pending).toMatchObject([{ taskId: task.id, project: 'default', uploadIds: [uploadId] }]);

    removeFolder.mockRestore();
    const totals = await retention.sweep();
    expect(totals).toMatchObject({ tasks: 1, uploads: 1 });
    // report.txt, message.eml and the upload.
    expect(totals.files).toBe(3);
    expect((await storage.usage(outputFolder(task.id))).files).toBe(0);
    expect(await exists(outboxKey(task.id, 'message.eml'))).toBe(false);
    expect(await exists(uploadKey(uploadId))).toBe(false);
    expect(await database.dataSource.getRepository(TaskRemoval).count()).toBe(0);
  });

  it('removes rows and files in one sweep when nothing fails, leaving nothing pending', async () => {
    const { task } = await oldFinishedTask();
    const unfinished = await store.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'default',
    });
    expect(await retention.sweep()).toMatchObject({ tasks: 1, files: 3, uploads: 1 });
    expect(await store.findById(task.id, EVERY_PROJECT)).toBeNull();
    expect(await store.findById(unfinished.id, EVERY_PROJECT)).not.toBeNull();
    expect(await exists(outputKey(task.id, 'report.txt'))).toBe(false);
    expect(await database.dataSource.getRepository(TaskRemoval).count()).toBe(0);
  });
});
