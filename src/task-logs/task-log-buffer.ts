import { TaskLogLevel, TaskLogLineWire } from '../events/task-event';

/** The lines a task keeps: older ones are deleted as new ones come. */
export const TASK_LOG_KEEP = 1_000;
/** A longer message is cut here: a line is for a person to read. */
export const MAX_LOG_MESSAGE_CHARS = 2_000;

/**
 * The lines a running task logged since the last flush, numbered on from `lastSeq`. Holds at
 * most TASK_LOG_KEEP: when a task logs faster than they are written, the oldest are dropped
 * (they would be trimmed right after the write anyway), and their numbers stay used, so a
 * reader sees the gap. Pure: no clock or I/O of its own.
 */
export class TaskLogBuffer {
  private lines: TaskLogLineWire[] = [];

  constructor(private lastSeq: number) {}

  get size(): number {
    return Math.min(this.lines.length, TASK_LOG_KEEP);
  }

  push(level: TaskLogLevel, message: string, at: Date): void {
    const text =
      message.length > MAX_LOG_MESSAGE_CHARS
        ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS - 1)}…`
        : message;
    this.lines.push({ seq: ++this.lastSeq, at: at.toISOString(), level, message: text });
    // Cut back once it holds twice the cap, so each line costs O(1) however many come.
    if (this.lines.length >= 2 * TASK_LOG_KEEP)
      this.lines.splice(0, this.lines.length - TASK_LOG_KEEP);
  }

  /** The lines held, oldest first; the buffer is empty after. */
  take(): TaskLogLineWire[] {
    const lines = this.lines.length > TASK_LOG_KEEP ? this.lines.slice(-TASK_LOG_KEEP) : this.lines;
    this.lines = [];
    return lines;
  }
}

/** The seq at and below which a task's lines are deleted once `lastSeq` is written; 0: none. */
export const trimCutoff = (lastSeq: number, keep = TASK_LOG_KEEP): number =>
  Math.max(0, lastSeq - keep);
