import { Logger } from '@nestjs/common';
import { EventBus } from '../events/event-bus.service';
import { TaskLogLineWire } from '../events/task-event';
import { TaskLogStore } from './task-log-store';
import { TASK_LOG_CLOSE_WAIT_MS, TaskLogWriter } from './task-log-writer.service';

/** A store whose writes finish only when the test says so. */
class HeldStore {
  readonly appended: string[][] = [];
  private release?: () => void;

  lastSeqs(): Promise<Map<string, number>> {
    return Promise.resolve(new Map<string, number>());
  }

  append(batches: { taskId: string }[]): Promise<void> {
    this.appended.push(batches.map((batch) => batch.taskId));
    return new Promise((resolve) => (this.release = resolve));
  }

  finish(): void {
    this.release?.();
  }
}

describe('TaskLogWriter', () => {
  const task = (id: string) => ({ id, taskType: 'csv_processing' as const, project: 'alpha' });
  let store: HeldStore;
  let writer: TaskLogWriter;
  let warn: jest.SpyInstance;
  const bus = { publishLogs: () => undefined } as unknown as EventBus;

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    store = new HeldStore();
    writer = new TaskLogWriter(store as unknown as TaskLogStore, bus);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('ends a run after a bounded wait when its write is held up, and writes on', async () => {
    const first = writer.open(task('t1'), 1);
    first.line('info', 'Succeeded');
    let closed = false;
    const closing = first.close().then(() => (closed = true));
    await jest.advanceTimersByTimeAsync(TASK_LOG_CLOSE_WAIT_MS - 100);
    expect(closed).toBe(false);
    await jest.advanceTimersByTimeAsync(200);
    await closing;
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ task_id: 't1' }));

    // The next run's lines queue behind the held write and go out once it is done.
    const second = writer.open(task('t2'), 1);
    second.line('info', 'Succeeded');
    const secondClosing = second.close();
    store.finish();
    await jest.advanceTimersByTimeAsync(0);
    store.finish();
    await secondClosing;
    expect(store.appended).toEqual([['t1'], ['t2']]);
  });

  it('ends a run as soon as its write is done', async () => {
    const log = writer.open(task('t3'), 1);
    log.line('info', 'Succeeded');
    const closing = log.close();
    await jest.advanceTimersByTimeAsync(0);
    store.finish();
    await closing;
    expect(warn).not.toHaveBeenCalled();
  });

  it("numbers a first run's lines from 0 unread, and a later run's on from the task's last seq", async () => {
    const asked: string[][] = [];
    const appended: { taskId: string; lines: TaskLogLineWire[] }[] = [];
    const seqStore = {
      lastSeqs: (ids: string[]) => {
        asked.push(ids);
        return Promise.resolve(new Map([['again', 7]]));
      },
      append: (batches: { taskId: string; lines: TaskLogLineWire[] }[]) => {
        appended.push(...batches);
        return Promise.resolve();
      },
    };
    const seqWriter = new TaskLogWriter(seqStore as unknown as TaskLogStore, bus);
    const first = seqWriter.open(task('first'), 1);
    first.line('info', 'Started');
    first.line('info', 'Succeeded');
    const again = seqWriter.open(task('again'), 2);
    again.line('info', 'Started');
    await Promise.all([first.close(), again.close()]);
    expect(asked).toEqual([['again']]);
    expect(appended.map(({ taskId, lines }) => [taskId, lines.map((line) => line.seq)])).toEqual([
      ['first', [1, 2]],
      ['again', [8]],
    ]);
  });
});
