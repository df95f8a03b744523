/** A run's answer across the process boundary, where an error would lose its class. */
export type ChildTaskResult<O> = { ok: true; value: O } | { ok: false; message: string };

/**
 * The body of a child process started by `runInChildProcess`: takes the one input the parent
 * sends, runs `work` on it, answers and exits.
 */
export function serveChildTask<I, O>(work: (input: I) => Promise<O>): void {
  // The parent is gone (killed, or crashed): nobody waits for the answer. SIGKILL, because an
  // exit would wait for the native work still running on libuv's threads.
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.once('message', (message: { input: I }) => {
    void work(message.input).then(
      (value) => answer({ ok: true, value }),
      (error: unknown) =>
        answer({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

function answer<O>(result: ChildTaskResult<O>): void {
  process.send?.(result, () => process.exit(0));
}
