import { ChildProcess, fork } from 'node:child_process';
import type { ChildTaskResult } from './child-process-task';

/**
 * Runs pieces of work in child processes of one script and answers with their results: the
 * killable path for native work that no signal reaches and no thread can stop (libheif's AVIF
 * encode runs on libuv's threads, which even `process.exit` waits for). When a run's `halt`
 * aborts, its child gets SIGKILL and the run rejects with the halt's reason at once.
 *
 * `script` calls `serveChildTask` (child-process-task.ts). A child runs one piece at a time and
 * is kept for the next until `close`, so a sequence of runs (a task's images, lane by lane) pays
 * for a child's start and the script's load (75-95 ms with sharp) once per lane, not per piece.
 */
export class ChildProcesses<I, O> {
  private idle: ChildProcess[] = [];
  private closed = false;

  constructor(private readonly script: string) {}

  run(input: I, halt?: AbortSignal): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (this.closed) return reject(new Error('ChildProcesses.run after close'));
      if (halt?.aborted) return reject(halt.reason as Error);
      const child = this.idle.pop() ?? this.start();
      const settle = (keep: boolean, outcome: () => void): void => {
        halt?.removeEventListener('abort', onHalt);
        child.off('message', onAnswer);
        child.off('close', onClose);
        if (keep && !this.closed) this.idle.push(child);
        else if (keep) child.disconnect();
        outcome();
      };
      const onHalt = (): void => {
        child.kill('SIGKILL');
        settle(false, () => reject(halt?.reason as Error));
      };
      const onAnswer = (answer: ChildTaskResult<O>): void =>
        settle(true, () => (answer.ok ? resolve(answer.value) : reject(new Error(answer.message))));
      // 'close', not 'exit': it comes after the last message has been read.
      const onClose = (code: number | null, signal: NodeJS.Signals | null): void =>
        settle(false, () =>
          reject(
            new Error(`The child process ended without an answer (${signal ?? `exit ${code}`})`),
          ),
        );
      halt?.addEventListener('abort', onHalt, { once: true });
      child.on('message', onAnswer);
      child.on('close', onClose);
      child.send({ input });
    });
  }

  /** Lets the idle children go; a child still running ends after its answer. */
  close(): void {
    this.closed = true;
    for (const child of this.idle) child.disconnect();
    this.idle = [];
  }

  private start(): ChildProcess {
    const child = fork(this.script, [], {
      // Buffers cross as bytes, not as JSON arrays of numbers.
      serialization: 'advanced',
      // Not the parent's flags: a profiler or heap limit meant for the worker is not the child's.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // A failed start also ends in 'close', which rejects the run; without a listener the
    // 'error' event would throw.
    child.on('error', () => undefined);
    // An idle child that died (killed from outside) is not handed a run.
    child.once('close', () => (this.idle = this.idle.filter((other) => other !== child)));
    return child;
  }
}
