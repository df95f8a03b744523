import { Logger } from '@nestjs/common';
import { TaskStore } from '../database/task-store';
import { Task } from '../database/task.entity';
import { TaskLogLineWire } from '../events/task-event';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { TASK_LOG_KEEP } from './task-log-buffer';
import { TaskLogLine } from './task-log.entity';
import { TaskLogStore } from './task-log-store';

describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('TaskLogStore on %s', (kind) => {
  let database: TestDatabase;
  let logs: TaskLogStore;
  let tasks: TaskStore;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    logs = new TaskLogStore(database.dataSource.getRepository(TaskLogLine), database.config);
    tasks = new TaskStore(database.dataSource.getRepository(Task), database.config);
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const newTask = async () =>
    (
      await tasks.insert({
        taskType: 'csv_processing',
        inputParams: { num_rows: 1 },
        retryOf: null,
        project: 'default',
      })
    ).id;

  const lines = (from: number, count: number): TaskLogLineWire[] =>
    Array.from({ length: count }, (_, i) => ({
      seq: from + i,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, from + i)).toISOString(),
      level: (from + i) % 2 ? 'info' : 'warn',
      message: `line ${from + i} of a run`,
    }));

  it('writes the lines of several tasks at once and reads each back after a seq', async () => {
    const [first, second] = [await newTask(), await newTask()];
    await logs.append([
      { taskId: first, lines: lines(1, 3) },
      { taskId: second, lines: lines(1, 2) },
    ]);
    expect(await logs.after(first, 0, 10)).toEqual(lines(1, 3));
    expect(await logs.after(first, 1, 10)).toEqual(lines(2, 2));
    expect(await logs.after(second, 0, 1)).toEqual(lines(1, 1));
    expect(await logs.lastSeqs([first, second, 'none'])).toEqual(
      new Map([
        [first, 3],
        [second, 2],
        ['none', 0],
      ]),
    );
  });

  it('writes a usual batch as one statement, all or none', async () => {
    const [fresh, written] = [await newTask(), await newTask()];
    await logs.append([{ taskId: written, lines: lines(1, 1) }]);
    const query = jest.spyOn(database.dataSource.manager, 'query');
    try {
      // The second task's seq 1 is taken: the batch fails whole, the first task's lines too.
      await expect(
        logs.append([
          { taskId: fresh, lines: lines(1, 3) },
          { taskId: written, lines: lines(1, 2) },
        ]),
      ).rejects.toThrow();
      expect(query.mock.calls.map(([sql]) => sql.split(' ')[0])).toEqual(['INSERT']);
    } finally {
      query.mockRestore();
    }
    expect(await logs.after(fresh, 0, 10)).toEqual([]);
    expect(await logs.after(written, 0, 10)).toEqual(lines(1, 1));
  });

  it(`keeps a task's newest ${TASK_LOG_KEEP} lines when a write passes them`, async () => {
    const id = await newTask();
    await logs.append([{ taskId: id, lines: lines(1, 10) }]);
    await logs.append([{ taskId: id, lines: lines(11, TASK_LOG_KEEP) }]);
    const kept = await logs.after(id, 0, 2 * TASK_LOG_KEEP);
    expect(kept).toHaveLength(TASK_LOG_KEEP);
    expect(kept[0]).toEqual(lines(11, 1)[0]);
    expect(kept[kept.length - 1]).toEqual(lines(10 + TASK_LOG_KEEP, 1)[0]);
  });
});
