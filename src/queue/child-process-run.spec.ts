import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/utils/wait-for';
import { runInChildProcess } from './child-process-run';

const PROBE = join(__dirname, '..', 'testing', 'probe.child.js');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('runInChildProcess', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'child-run-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("answers with the child's result, a Buffer input crossing as bytes", async () => {
    const answer = await runInChildProcess<object, { bytes: number; pid: number }>(PROBE, {
      mode: 'echo',
      payload: Buffer.alloc(3_000_000, 7),
    });
    expect(answer.bytes).toBe(3_000_000);
    expect(answer.pid).not.toBe(process.pid);
    // It exits once it has answered.
    await waitFor('the child to exit', () => !alive(answer.pid), { timeoutMs: 5_000 });
  });

  it("rejects with the child's error message", async () => {
    await expect(runInChildProcess(PROBE, { mode: 'fail' })).rejects.toThrow('the work failed');
  });

  it('rejects when the child ends without an answer', async () => {
    await expect(runInChildProcess(PROBE, { mode: 'exit' })).rejects.toThrow(
      'The child process ended without an answer (exit 3)',
    );
  });

  it('kills a child deaf to everything when halt aborts, and rejects with its reason', async () => {
    const pidFile = join(dir, 'pid');
    const halt = new AbortController();
    const run = runInChildProcess(PROBE, { mode: 'block', pidFile }, halt.signal);
    const pid = await waitFor('the child to block', () =>
      existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined,
    );
    const reason = new Error('Timed out after 1 s');
    halt.abort(reason);
    await expect(run).rejects.toBe(reason);
    await waitFor('the blocked child to be gone', () => !alive(pid), { timeoutMs: 5_000 });
  });

  it('starts nothing when halt has already aborted', async () => {
    const halt = new AbortController();
    halt.abort(new Error('cancelled'));
    const pidFile = join(dir, 'pid');
    await expect(runInChildProcess(PROBE, { mode: 'block', pidFile }, halt.signal)).rejects.toThrow(
      'cancelled',
    );
    expect(existsSync(pidFile)).toBe(false);
  });
});
