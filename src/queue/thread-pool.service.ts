import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../core/json';
import { TaskContext } from './task-context';
import { TaskFailure } from './task-errors';
import { ThreadMessage, ThreadTaskInput, ThreadTaskResult } from './thread-task';

/** How long an idle thread is kept for the next run before it exits. */
const IDLE_THREAD_MS = 60_000;

/**
 * A thread's young generation, in MB (V8's default for a thread is 48). A large CSV's parse
 * makes short-lived strings by the million, and the young generation grows to its full size and
 * stays resident: with 8 a 1 GB upload's run added 47 MB to the process's peak RSS instead of
 * 62, for 3 % more CPU (5-12 % on generated rows, which make more garbage). Memory is
 * what a worker's container limit is about, so the smaller peak is worth it (bench/README,
 * "Kept: an 8 MB young generation").
 */
export const THREAD_YOUNG_GENERATION_MB = 8;

/**
 * The killable execution path: CPU-heavy work runs in a pooled worker thread, which gets the
 * cooperative abort as a message and is terminated when the run's `halt` aborts (the grace after
 * a cancel or timeout), even if its work never looks at a signal. Threads are made on first use
 * and reused, so a run pays for a message round trip, not for a thread start.
 */
@Injectable()
export class ThreadPool implements OnApplicationShutdown {
  private pool?: Piscina<ThreadTaskInput<unknown>, ThreadTaskResult>;

  constructor(private readonly config: AppConfig) {}

  async run<I>(
    filename: string,
    input: I,
    context: Pick<TaskContext, 'signal' | 'halt' | 'onProgress' | 'log'>,
  ): Promise<JsonObject> {
    context.signal.throwIfAborted();
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: ThreadMessage) => {
      if ('progress' in message) context.onProgress(message.progress);
      else if ('log' in message) context.log(message.log.level, message.log.message);
    });
    // The test fault leaves the thread deaf to the cooperative abort: only the kill can stop it.
    const deaf = this.config.testFault === 'deaf-threads';
    const onAbort = (): void => {
      if (!deaf) port1.postMessage({ abort: true } satisfies ThreadMessage);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.threads().run(
        { input, port: port2 },
        { filename, transferList: [port2], signal: context.halt ?? null },
      );
      if (!result.ok) throw new TaskFailure(result.message, result.partialResult);
      return result.value;
    } catch (error) {
      // Stopped (cooperatively or by the kill): the signal's reason says why, not the thread.
      if (context.signal.aborted) throw context.signal.reason;
      throw error;
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
  }

  private threads(): Piscina<ThreadTaskInput<unknown>, ThreadTaskResult> {
    // One thread per run the CSV and image workers may have at once: a run never queues here.
    this.pool ??= new Piscina({
      minThreads: 0,
      maxThreads: this.config.concurrency.csv_processing + this.config.concurrency.image_processing,
      idleTimeout: IDLE_THREAD_MS,
      resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB },
    });
    return this.pool;
  }
}
