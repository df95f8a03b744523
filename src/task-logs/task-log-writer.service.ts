import { Injectable, Logger } from '@nestjs/common';
import { TaskType } from '../core/task-type';
import { EventBus } from '../events/event-bus.service';
import { TaskLogLevel } from '../events/task-event';
import { TaskLogBuffer } from './task-log-buffer';
import { TaskLogStore } from './task-log-store';

/** A running task's lines are written and sent at most this often, together. */
export const TASK_LOG_FLUSH_MS = 250;
/** A `logs` event carries at most this many (the newest) lines; a reader fetches the rest. */
export const TASK_LOG_EVENT_LINES = 100;

/** A running task's log: cheap to call; lines reach SQL and the event stream in batches. */
export interface TaskLog {
  line(level: TaskLogLevel, message: string): void;
  /** Writes what is held; call once the run has ended. */
  close(): Promise<void>;
}

interface LoggedTask {
  id: string;
  taskType: TaskType;
  project: string;
}

/**
 * Opens a log per running task (worker side). Each batch is one INSERT (and a trim once past
 * the cap) and one `logs` event, at most every TASK_LOG_FLUSH_MS per task, so a task that logs
 * a line per row never floods SQL or the event streams. A lost batch is a warning, never the
 * task's failure.
 */
@Injectable()
export class TaskLogWriter {
  private readonly logger = new Logger(TaskLogWriter.name);

  constructor(
    private readonly store: TaskLogStore,
    private readonly bus: EventBus,
  ) {}

  async open(task: LoggedTask): Promise<TaskLog> {
    let lastSeq = 0;
    try {
      lastSeq = await this.store.lastSeq(task.id);
    } catch (error) {
      this.logger.warn({
        task_id: task.id,
        msg: `task log not read: ${(error as Error).message}; its lines may not be kept`,
      });
    }
    const buffer = new TaskLogBuffer(lastSeq);
    let timer: NodeJS.Timeout | undefined;
    let writing: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      clearTimeout(timer);
      timer = undefined;
      const lines = buffer.take();
      if (lines.length > 0) {
        writing = writing.then(async () => {
          try {
            await this.store.append(task.id, lines);
            this.bus.publishLogs({
              type: 'logs',
              task_id: task.id,
              task_type: task.taskType,
              project: task.project,
              lines: lines.slice(-TASK_LOG_EVENT_LINES),
            });
          } catch (error) {
            this.logger.warn({
              task_id: task.id,
              msg: `${lines.length} task log lines not saved: ${(error as Error).message}`,
            });
          }
        });
      }
      return writing;
    };
    return {
      line: (level, message) => {
        buffer.push(level, message, new Date());
        timer ??= setTimeout(() => void flush(), TASK_LOG_FLUSH_MS);
      },
      close: flush,
    };
  }
}
