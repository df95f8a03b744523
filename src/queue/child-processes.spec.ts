import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/utils/wait-for';
import type { ProbeInput } from '../testing/probe-work';
import { ChildProcesses } from './child-processes';

const PROBE = join(__dirname, '..', 'testing', 'probe.child.js');

interface Echo {
  bytes: number;
  pid: number;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const gone = (pid: number): Promise<boolean> =>
  waitFor(`child ${pid} to be gone`, () => !alive(pid), { timeoutMs: 5_000 });

/** The pid a probe wrote once its work began. */
const probePid = (pidFile: string): Promise<number> =>
  waitFor('the probe to start its work', () =>
    existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
  );

describe('ChildProcesses', () => {
  let dir: string;
  let children: ChildProcesses<ProbeInput, Echo>;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'child-run-'));
    children = new ChildProcesses(PROBE);
  });
  afterEach(() => {
    children.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const echo = (bytes = 1): Promise<Echo> =>
    children.run({ mode: 'echo', payload: Buffer.alloc(bytes, 7) });

  it("answers with the child's result, a Buffer input crossing as bytes", async () => {
    const answer = await echo(3_000_000);
    expect(answer.bytes).toBe(3_000_000);
    expect(answer.pid).not.toBe(process.pid);
  });

  it('keeps a child for the next run, one run per child at a time, and lets them go on close', async () => {
    const first = await echo();
    expect((await echo()).pid).toBe(first.pid);
    const together = await Promise.all([echo(), echo()]);
    expect(new Set(together.map((answer) => answer.pid)).size).toBe(2);
    expect(together.map((answer) => answer.pid)).toContain(first.pid);
    children.close();
    for (const { pid } of together) await gone(pid);
    await expect(echo()).rejects.toThrow('after close');
  });

  it("rejects with the child's error message, and the child serves the next run", async () => {
    const { pid } = await echo();
    await expect(children.run({ mode: 'fail' })).rejects.toThrow('the work failed');
    expect((await echo()).pid).toBe(pid);
  });

  it('rejects when the child ends without an answer, and starts another for the next run', async () => {
    const { pid } = await echo();
    await expect(children.run({ mode: 'exit' })).rejects.toThrow(
      'The child process ended without an answer (exit 3)',
    );
    expect((await echo()).pid).not.toBe(pid);
  });

  it('does not hand a run to an idle child killed from outside', async () => {
    const { pid } = await echo();
    process.kill(pid, 'SIGKILL');
    await gone(pid);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await echo()).pid).not.toBe(pid);
  });

  it('kills a child deaf to everything when halt aborts, and rejects with its reason', async () => {
    const pidFile = join(dir, 'pid');
    const halt = new AbortController();
    const run = children.run({ mode: 'block', pidFile }, halt.signal);
    const pid = await probePid(pidFile);
    const reason = new Error('Timed out after 1 s');
    halt.abort(reason);
    await expect(run).rejects.toBe(reason);
    await gone(pid);
    expect((await echo()).pid).not.toBe(pid);
  });

  it('starts nothing when halt has already aborted', async () => {
    const halt = new AbortController();
    halt.abort(new Error('cancelled'));
    const pidFile = join(dir, 'pid');
    await expect(children.run({ mode: 'block', pidFile }, halt.signal)).rejects.toThrow(
      'cancelled',
    );
    expect(existsSync(pidFile)).toBe(false);
  });

  it('ends a child whose parent is gone, while its work still runs', async () => {
    const pidFile = join(dir, 'pid');
    const child = fork(PROBE, [], { serialization: 'advanced', stdio: 'ignore' });
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    child.send({ input: { mode: 'wait', pidFile } satisfies ProbeInput });
    await probePid(pidFile);
    // As when the worker dies: the channel closes under the child.
    child.disconnect();
    expect(await ended).toBe('SIGKILL');
  });
});
