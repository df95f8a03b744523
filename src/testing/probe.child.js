// A runInChildProcess script for child-process-run.spec.ts, speaking serveChildTask's protocol
// by hand (the spec runs from src/, where the TypeScript helper is not compiled): answers with
// what it was sent, fails, exits without an answer, or blocks its thread the way native work
// does, deaf to everything but SIGKILL.
process.once('message', ({ input }) => {
  switch (input.mode) {
    case 'echo':
      return process.send({ ok: true, value: { bytes: input.payload.length, pid: process.pid } });
    case 'fail':
      return process.send({ ok: false, message: 'the work failed' });
    case 'exit':
      return process.exit(3);
    case 'block':
      require('node:fs').writeFileSync(input.pidFile, String(process.pid));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
});
