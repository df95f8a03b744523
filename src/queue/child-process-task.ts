/** A run's answer across the process boundary, where an error would lose its class. */
export type ChildTaskResult<O> = { ok: true; value: O } | { ok: false; message: string };

/**
 * The body of a child process started by `ChildProcesses`: runs `work` on each input the parent
 * sends, one at a time, and answers each.
 */
export function serveChildTask<I, O>(work: (input: I) => Promise<O>): void {
  // The parent let it go, or is gone (killed, crashed): nobody waits for an answer. SIGKILL,
  // because an exit would wait for native work still running on libuv's threads.
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.on('message', (message: { input: I }) => {
    void work(message.input).then(
      (value) => answer({ ok: true, value }),
      (error: unknown) =>
        answer({ ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

function answer<O>(result: ChildTaskResult<O>): void {
  process.send?.(result);
}
