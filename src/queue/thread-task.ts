import type { MessagePort } from 'node:worker_threads';
import { JsonObject } from '../core/json';
import type { TaskLogFn } from './task-context';
import { TaskFailure } from './task-errors';

/** What the runner hands a thread: the run's input and the port its progress and abort use. */
export interface ThreadTaskInput<I> {
  input: I;
  port: MessagePort;
}

/** A run's answer across the thread boundary, where an error would lose its class. */
export type ThreadTaskResult =
  { ok: true; value: JsonObject } | { ok: false; message: string; partialResult?: JsonObject };

/** Messages on the port: progress and log lines from the thread, the cooperative abort to it. */
export type ThreadMessage =
  | { progress: number }
  | { log: { level: Parameters<TaskLogFn>[0]; message: string } }
  | { abort: true };

export type ThreadWork<I> = (
  input: I,
  context: { signal: AbortSignal; onProgress: (percent: number) => void; log: TaskLogFn },
) => Promise<JsonObject>;

/**
 * The default export of a thread entry: runs `work` with a signal that the port's abort message
 * aborts, posts progress when its whole percent changes, and hands TaskFailures back as values.
 */
export function threadTask<I>(
  work: ThreadWork<I>,
): (task: ThreadTaskInput<I>) => Promise<ThreadTaskResult> {
  return async ({ input, port }) => {
    const controller = new AbortController();
    port.on('message', (message: ThreadMessage) => {
      if ('abort' in message) controller.abort(new Error('The run was stopped'));
    });
    let posted = -1;
    try {
      const value = await work(input, {
        signal: controller.signal,
        onProgress: (percent) => {
          const whole = Math.floor(percent);
          if (whole === posted) return;
          posted = whole;
          port.postMessage({ progress: percent } satisfies ThreadMessage);
        },
        log: (level, message) =>
          port.postMessage({ log: { level, message } } satisfies ThreadMessage),
      });
      return { ok: true, value };
    } catch (error) {
      if (error instanceof TaskFailure) {
        return { ok: false, message: error.message, partialResult: error.partialResult };
      }
      throw error;
    } finally {
      // An open port would keep the thread's loop alive after the run.
      port.close();
    }
  };
}
