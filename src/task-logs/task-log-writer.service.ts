import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { TaskType } from '../core/task-type';
import { EventBus } from '../events/event-bus.service';
import { TaskLogLevel, TaskLogLineWire } from '../events/task-event';
import { TaskLogBuffer } from './task-log-buffer';
import { TaskLogStore } from './task-log-store';
import { isUniqueViolation } from '../database/unique-violation';

/** Lines held by the process are written at most this long after they were logged. */
export const TASK_LOG_FLUSH_MS = 250;
/** …or as soon as this many are held, whichever comes first. */
export const TASK_LOG_FLUSH_LINES = 1_000;
/** A `logs` event carries at most this many (the newest) lines; a reader fetches the rest. */
export const TASK_LOG_EVENT_LINES = 100;
/**
 * How long a run's end waits for its log lines to be written. The writes of every run share one
 * queue, so a write held up (SQL locked, a session being replaced) must not hold up the final
 * status of every task behind it: past this, the run ends and the write goes on alone.
 */
export const TASK_LOG_CLOSE_WAIT_MS = 5_000;

/** Tries of one write whose seqs were taken before its lines are given up (with a warning). */
export const TASK_LOG_RENUMBER_TRIES = 3;

/** A running task's log: cheap to call; lines reach SQL and the event stream in batches. */
export interface TaskLog {
  line(level: TaskLogLevel, message: string): void;
  /** Writes what is held (with what other tasks hold); call once the run has ended. */
  close(): Promise<void>;
}

interface LoggedTask {
  id: string;
  taskType: TaskType;
  project: string;
}

/** One open log: its lines are numbered from 0 until the task's last seq in SQL is known. */
interface OpenLog {
  task: LoggedTask;
  buffer: TaskLogBuffer;
  /** The task's last seq before this run: 0 for a first run, else read with its first write. */
  base?: number;
  /** The write that takes (or took) its latest lines. */
  written: Promise<void>;
}

/** A log's lines taken for one write, numbered from the log's own 1 (its base not added). */
interface HeldBatch {
  log: OpenLog;
  lines: TaskLogLineWire[];
}

/**
 * Moves each log's base so that its lines come after `lastSeqs` (each task's last seq written)
 * and after the lines of the same task's logs earlier in `batches`. Bases only grow: numbers
 * given out stay given out.
 */
export function numberPastTaken(batches: HeldBatch[], lastSeqs: Map<string, number>): void {
  const nextFree = new Map<string, number>();
  for (const { log, lines } of batches) {
    if (lines.length === 0) continue;
    const taskId = log.task.id;
    const next = nextFree.get(taskId) ?? (lastSeqs.get(taskId) ?? 0) + 1;
    const base = log.base ?? 0;
    log.base = base + Math.max(0, next - (base + lines[0].seq));
    nextFree.set(taskId, log.base + lines[lines.length - 1].seq + 1);
  }
}

/**
 * The task logs of every run in this worker process (worker side), written together: each
 * write is one transaction with the lines of all the tasks that logged since the last one, and
 * one `logs` event per task. Writes never overlap (SQLite's one connection cannot nest two
 * transactions), and a write asked for while one runs takes everything held when it starts, so
 * tiny tasks that end at once share a write instead of each paying their own. A lost write is a
 * warning, never the task's failure.
 */
@Injectable()
export class TaskLogWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(TaskLogWriter.name);
  /** Logs holding lines not yet written. */
  private readonly held = new Set<OpenLog>();
  private heldLines = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The last write started or queued; the next one waits for it. */
  private writing: Promise<void> = Promise.resolve();
  /** The queued write that has not taken its lines yet: later flushes join it. */
  private queued: Promise<void> | undefined;

  constructor(
    private readonly store: TaskLogStore,
    private readonly bus: EventBus,
  ) {}

  /**
   * The log of a run, `attempt` its number from TaskStore.markRunning. Only runs write lines, each
   * after markRunning counted it, so the first run's task has none yet: its lines are numbered
   * from 0 without asking SQL for the task's last seq.
   */
  open(task: LoggedTask, attempt: number): TaskLog {
    const log: OpenLog = {
      task,
      buffer: new TaskLogBuffer(0),
      base: attempt === 1 ? 0 : undefined,
      written: Promise.resolve(),
    };
    return {
      line: (level, message) => {
        log.buffer.push(level, message, new Date());
        this.held.add(log);
        if (++this.heldLines >= TASK_LOG_FLUSH_LINES) void this.flush();
        else this.timer ??= setTimeout(() => void this.flush(), TASK_LOG_FLUSH_MS);
      },
      // A log with nothing held only waits for the write that has its last lines, if any.
      close: () => this.waitAtMost(this.held.has(log) ? this.flush() : log.written, task.id),
    };
  }

  /** Every held line is written before the process ends. */
  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async waitAtMost(write: Promise<void>, taskId: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), TASK_LOG_CLOSE_WAIT_MS);
    });
    try {
      if ((await Promise.race([write, late])) === 'late')
        this.logger.warn({
          task_id: taskId,
          msg: `Task log lines not written within ${TASK_LOG_CLOSE_WAIT_MS} ms; the run ends without waiting`,
        });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once every line held now is written (or its loss logged). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.size === 0) return this.writing;
    if (this.queued === undefined) {
      const queued = this.writing.then(() => {
        this.queued = undefined;
        return this.write();
      });
      this.queued = queued;
      this.writing = queued;
    }
    for (const log of this.held) log.written = this.queued;
    return this.queued;
  }

  /**
   * Writes the batches with each log's base added to its seqs. Two runs of one task at once (a
   * stalled job handed out again while its first run goes on) can number from the same base;
   * the key refuses the whole batch then, so the runs are numbered on past the task's lines
   * already written and the batch tried again, and no task's lines are lost for it.
   */
  private async appendNumbered(batches: HeldBatch[]): Promise<HeldBatch[]> {
    for (let attempt = 1; ; attempt++) {
      const numbered = batches.map(({ log, lines }) => ({
        log,
        lines: lines.map((line): TaskLogLineWire => ({ ...line, seq: (log.base ?? 0) + line.seq })),
      }));
      try {
        await this.store.append(numbered.map(({ log, lines }) => ({ taskId: log.task.id, lines })));
        return numbered;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt === TASK_LOG_RENUMBER_TRIES) throw error;
        const taskIds = [...new Set(batches.map(({ log }) => log.task.id))];
        numberPastTaken(batches, await this.store.lastSeqs(taskIds));
      }
    }
  }

  private async write(): Promise<void> {
    const logs = [...this.held];
    this.held.clear();
    this.heldLines = 0;
    const batches = logs.map((log) => ({ log, lines: log.buffer.take() }));
    try {
      const unknown = logs.filter((log) => log.base === undefined).map((log) => log.task.id);
      if (unknown.length > 0) {
        const lastSeqs = await this.store.lastSeqs(unknown);
        for (const log of logs) log.base ??= lastSeqs.get(log.task.id) ?? 0;
      }
      const numbered = await this.appendNumbered(batches);
      for (const { log, lines } of numbered) {
        this.bus.publishLogs({
          type: 'logs',
          task_id: log.task.id,
          task_type: log.task.taskType,
          project: log.task.project,
          lines: lines.slice(-TASK_LOG_EVENT_LINES),
        });
      }
    } catch (error) {
      const lines = batches.reduce((sum, batch) => sum + batch.lines.length, 0);
      this.logger.warn({
        task_ids: logs.map((log) => log.task.id),
        msg: `${lines} task log lines not saved: ${(error as Error).message}`,
      });
    }
  }
}
