// The work of child-processes.spec.ts's child (probe.child.js), through the real serveChildTask:
// answers with what it was sent, fails, exits without an answer, waits the way a process does
// while native work runs on libuv's threads (its JavaScript free), or blocks its JavaScript
// too, deaf to everything but SIGKILL.
import { writeFileSync } from 'node:fs';
import { serveChildTask } from '../queue/child-process-task';

export type ProbeInput =
  | { mode: 'echo'; payload: Buffer }
  | { mode: 'fail' | 'exit' }
  | { mode: 'wait' | 'block'; pidFile: string };

serveChildTask(async (input: ProbeInput) => {
  switch (input.mode) {
    case 'echo':
      return { bytes: input.payload.length, pid: process.pid };
    case 'fail':
      throw new Error('the work failed');
    case 'exit':
      process.exit(3);
    // eslint-disable-next-line no-fallthrough -- process.exit does not return
    case 'wait':
      writeFileSync(input.pidFile, String(process.pid));
      return new Promise<never>(() => undefined);
    case 'block':
      writeFileSync(input.pidFile, String(process.pid));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      throw new Error('unreachable');
  }
});
