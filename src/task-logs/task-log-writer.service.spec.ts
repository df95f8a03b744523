import { Logger } from '@nestjs/common';
import { EventBus } from '../events/event-bus.service';
import { TaskLogLineWire } from '../events/task-event';
import { TaskLogStore } from './task-log-store';
import { TaskLogBuffer } from './task-log-buffer';
import { numberPastTaken, TASK_LOG_CLOSE_WAIT_MS, TaskLogWriter } from './task-log-writer.service';

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

describe('numberPastTaken', () => {
  const batch = (taskId: string, base: number | undefined, seqs: number[]) => ({
    log: {
      task: { id: taskId, taskType: 'csv_processing' as const, project: 'alpha' },
      buffer: new TaskLogBuffer(0),
      base,
      written: Promise.resolve(),
    },
    lines: seqs.map((seq) => ({
      seq,
      at: '2026-01-01T00:00:00.000Z',
      level: 'info' as const,
      message: '',
    })),
  });

  it("moves a run past the task's written lines and past its task's runs earlier in the write", () => {
    const clash = batch('a', 0, [3, 4]);
    const sameWrite = batch('a', 0, [1]);
    const clear = batch('b', 5, [1, 2]);
    const gap = batch('c', 9, [1]);
    numberPastTaken(
      [clash, sameWrite, clear, gap],
      new Map([
        ['a', 4],
        ['b', 5],
        ['c', 2],
      ]),
    );
    expect(clash.log.base).toBe(2); // 3 and 4 become 5 and 6
    expect(sameWrite.log.base).toBe(6); // 1 becomes 7
    expect(clear.log.base).toBe(5); // already after b's 5
    expect(gap.log.base).toBe(9); // a lost write's gap is not closed: bases only grow
  });
});
