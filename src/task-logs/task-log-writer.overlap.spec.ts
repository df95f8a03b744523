import { Logger } from '@nestjs/common';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { EventBus } from '../events/event-bus.service';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { TaskLogLine } from './task-log.entity';
import { TaskLogStore } from './task-log-store';
import { TaskLogWriter } from './task-log-writer.service';

/** Two runs of one task at once (a stalled job handed out again) on a real database. */
describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('TaskLogWriter overlap on %s', (kind) => {
  let database: TestDatabase;
  let store: TaskLogStore;
  let tasks: TaskStore;
  let writer: TaskLogWriter;
  let warn: jest.SpyInstance;
  const published: { task_id: string; seqs: number[] }[] = [];
  const bus = {
    publishLogs: (event: { task_id: string; lines: { seq: number }[] }) =>
      published.push({ task_id: event.task_id, seqs: event.lines.map((line) => line.seq) }),
  } as unknown as EventBus;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    store = new TaskLogStore(database.dataSource.getRepository(TaskLogLine), database.config);
    tasks = new TaskStore(database.dataSource.getRepository(Task), database.config);
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  beforeEach(() => {
    published.length = 0;
    warn = jest.spyOn(Logger.prototype, 'warn');
    writer = new TaskLogWriter(store, bus);
  });

  afterEach(() => jest.restoreAllMocks());

  const newTask = async () => {
    const { id, taskType, project } = await tasks.insert({
      taskType: 'csv_processing',
      inputParams: { num_rows: 1 },
      retryOf: null,
      project: 'default',
    });
    return { id, taskType, project };
  };

  const stored = async (taskId: string) =>
    (await store.after(taskId, 0, 100)).map(({ seq, message }) => [seq, message]);

  it("numbers a run on past the other run's lines, and keeps the other tasks' lines of the write", async () => {
    const task = await newTask();
    const other = await newTask();
    const first = writer.open(task, 1);
    first.line('info', 'first 1');
    first.line('info', 'first 2');
    await writer.flush();
    // The job is handed out again while the first run goes on: the second run numbers on from 2.
    const second = writer.open(task, 2);
    second.line('info', 'second 1');
    await writer.flush();
    // The first run's next line is its own 3, taken by now; another task's line shares the write.
    first.line('info', 'first 3');
    const bystander = writer.open(other, 1);
    bystander.line('info', 'other 1');
    await Promise.all([first.close(), bystander.close()]);
    second.line('info', 'second 2');
    await second.close();

    expect(await stored(task.id)).toEqual([
      [1, 'first 1'],
      [2, 'first 2'],
      [3, 'second 1'],
      [4, 'first 3'],
      [5, 'second 2'],
    ]);
    expect(await stored(other.id)).toEqual([[1, 'other 1']]);
    expect(warn).not.toHaveBeenCalled();
    // Readers are told the seqs as stored.
    expect(published.filter((event) => event.task_id === task.id).flatMap((e) => e.seqs)).toEqual([
      1, 2, 3, 4, 5,
    ]);
  });

  it('keeps both runs when they log into the same write from the same base', async () => {
    const task = await newTask();
    const first = writer.open(task, 1);
    const second = writer.open(task, 2);
    first.line('info', 'first 1');
    second.line('info', 'second 1');
    first.line('info', 'first 2');
    await Promise.all([first.close(), second.close()]);

    expect(await stored(task.id)).toEqual([
      [1, 'first 1'],
      [2, 'first 2'],
      [3, 'second 1'],
    ]);
    expect(warn).not.toHaveBeenCalled();
  });
});
