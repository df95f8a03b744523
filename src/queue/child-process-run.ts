import { fork } from 'node:child_process';
import type { ChildTaskResult } from './child-process-task';

/**
 * Runs one piece of work in a child process of its own and answers with its result: the
 * killable path for native work that no signal reaches and no thread can stop (libheif's AVIF
 * encode runs on libuv's threads, which even `process.exit` waits for). When `halt` aborts, the
 * child gets SIGKILL and the promise rejects with the halt's reason at once.
 *
 * `script` is a module that calls `serveChildTask` (child-process-task.ts). One process per
 * run: its start and the script's load (75-95 ms with sharp) are small beside the work worth
 * sending there.
 */
export function runInChildProcess<I, O>(script: string, input: I, halt?: AbortSignal): Promise<O> {
  return new Promise<O>((resolve, reject) => {
    if (halt?.aborted) return reject(halt.reason as Error);
    const child = fork(script, [], {
      // Buffers cross as bytes, not as JSON arrays of numbers.
      serialization: 'advanced',
      // Not the parent's flags: a profiler or heap limit meant for the worker is not the child's.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      halt?.removeEventListener('abort', onHalt);
      outcome();
    };
    const onHalt = (): void => {
      child.kill('SIGKILL');
      settle(() => reject(halt?.reason as Error));
    };
    halt?.addEventListener('abort', onHalt, { once: true });
    child.once('message', (answer: ChildTaskResult<O>) =>
      settle(() => (answer.ok ? resolve(answer.value) : reject(new Error(answer.message)))),
    );
    child.once('error', (error) => settle(() => reject(error)));
    // 'close', not 'exit': it comes after the last message has been read.
    child.once('close', (code, signal) =>
      settle(() =>
        reject(
          new Error(`The child process ended without an answer (${signal ?? `exit ${code}`})`),
        ),
      ),
    );
    child.send({ input });
  });
}
