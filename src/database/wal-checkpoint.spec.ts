import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  checkpointUntilCaughtUp,
  checkpointWal,
  truncateLargeWal,
  WalCheckpoint,
  walIdle,
} from './wal-checkpoint';

describe('checkpointWal', () => {
  let dir: string;
  let writer: Database.Database;
  let checkpointer: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'conveyor-wal-'));
    const path = join(dir, 'db.sqlite');
    writer = new Database(path);
    writer.pragma('journal_mode = WAL');
    // As the service's main connection once the thread runs: it never checkpoints itself.
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT)');
    checkpointer = new Database(path);
  });

  afterEach(() => {
    checkpointer.close();
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (count: number): void => {
    const insert = writer.prepare('INSERT INTO rows (body) VALUES (?)');
    for (let i = 0; i < count; i++) insert.run('x'.repeat(2000));
  };

  it("copies another connection's commits into the database file", () => {
    write(500);
    const before = statSync(join(dir, 'db.sqlite')).size;
    const result = checkpointWal(checkpointer);
    expect(result.busy).toBe(false);
    expect(result.logFrames).toBeGreaterThan(100);
    expect(result.checkpointedFrames).toBe(result.logFrames);
    expect(statSync(join(dir, 'db.sqlite')).size).toBeGreaterThan(before + 500 * 2000);
    expect(checkpointer.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: 500 });
  });

  it('lets the WAL be reused from its start, so it stops growing', () => {
    write(500);
    checkpointWal(checkpointer);
    const walSize = statSync(join(dir, 'db.sqlite-wal')).size;
    for (let round = 0; round < 3; round++) {
      write(500);
      checkpointWal(checkpointer);
    }
    expect(statSync(join(dir, 'db.sqlite-wal')).size).toBeLessThanOrEqual(walSize * 1.1);
  });

  it('copies what it can while a reader holds an older snapshot, and the rest later', () => {
    write(100);
    const reader = new Database(join(dir, 'db.sqlite'));
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM rows').get();
      write(100);
      const held = checkpointWal(checkpointer);
      expect(held.checkpointedFrames).toBeLessThan(held.logFrames);
      reader.exec('COMMIT');
      const later = checkpointWal(checkpointer);
      expect(later.checkpointedFrames).toBe(later.logFrames);
    } finally {
      reader.close();
    }
  });

  it('truncates a WAL file past the limit once caught up, keeping every row', () => {
    const walPath = join(dir, 'db.sqlite-wal');
    write(1000);
    checkpointWal(checkpointer);
    expect(statSync(walPath).size).toBeGreaterThan(2_000_000);
    expect(truncateLargeWal(checkpointer, walPath, 1_000_000)).toBe(true);
    expect(statSync(walPath).size).toBe(0);
    expect(writer.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: 1000 });
    write(10);
    expect(checkpointer.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: 1010 });
  });

  it('leaves a WAL file within the limit as it is', () => {
    const walPath = join(dir, 'db.sqlite-wal');
    write(100);
    checkpointWal(checkpointer);
    const size = statSync(walPath).size;
    expect(truncateLargeWal(checkpointer, walPath, size)).toBe(false);
    expect(statSync(walPath).size).toBe(size);
  });

  it("leaves the WAL for later while a reader's snapshot outlasts the busy timeout", () => {
    const walPath = join(dir, 'db.sqlite-wal');
    const waiting = new Database(join(dir, 'db.sqlite'), { timeout: 20 });
    const reader = new Database(join(dir, 'db.sqlite'));
    try {
      write(1000);
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM rows').get();
      checkpointWal(waiting);
      const size = statSync(walPath).size;
      expect(truncateLargeWal(waiting, walPath, 1_000_000)).toBe(false);
      expect(statSync(walPath).size).toBe(size);
      expect(reader.prepare('SELECT COUNT(*) AS n FROM rows').get()).toEqual({ n: 1000 });
      reader.exec('COMMIT');
      expect(truncateLargeWal(waiting, walPath, 1_000_000)).toBe(true);
    } finally {
      reader.close();
      waiting.close();
    }
  });

  /** A thread that commits one row after another until told to stop, as a busy API does. */
  const startWriterThread = (path: string): { stop: () => Promise<void> } => {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const thread = new Worker(
      `const { workerData } = require('node:worker_threads');
       const db = new (require('better-sqlite3'))(workerData.path);
       const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
       while (Atomics.load(workerData.stopFlag, 0) === 0) insert.run('x'.repeat(2000));
       db.close();`,
      { eval: true, workerData: { path, stopFlag } },
    );
    const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
    return {
      stop: async () => {
        Atomics.store(stopFlag, 0, 1);
        await exited;
      },
    };
  };

  it('catches up with a writer that never pauses, so the WAL starts again from its beginning', async () => {
    const writer = startWriterThread(join(dir, 'db.sqlite'));
    let restarts = 0;
    try {
      let previous = 0;
      for (let cycle = 0; cycle < 40; cycle++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const { logFrames } = checkpointUntilCaughtUp(() => checkpointWal(checkpointer));
        // The log counts frames from its start: fewer than before means a writer began it anew.
        if (logFrames < previous) restarts++;
        previous = logFrames;
      }
    } finally {
      await writer.stop();
    }
    expect(restarts).toBeGreaterThan(0);
  });
});

describe('walIdle', () => {
  const round = (logFrames: number, checkpointedFrames = logFrames, busy = false) => ({
    busy,
    logFrames,
    checkpointedFrames,
  });

  it('holds when a whole interval added no frame and every frame is copied', () => {
    expect(walIdle(round(800), round(800))).toBe(true);
    expect(walIdle(round(0), round(0))).toBe(true);
  });

  it('does not hold on the first interval, after a write, behind a reader or when busy', () => {
    expect(walIdle(undefined, round(800))).toBe(false);
    expect(walIdle(round(800), round(900))).toBe(false);
    // The WAL began anew in between: fewer frames, a writer was there.
    expect(walIdle(round(800), round(100))).toBe(false);
    expect(walIdle(round(800, 500), round(800, 500))).toBe(false);
    expect(walIdle(round(800, 800, true), round(800))).toBe(false);
    expect(walIdle(round(800), round(800, 800, true))).toBe(false);
  });
});

describe('checkpointUntilCaughtUp', () => {
  /** A checkpoint that answers `results` in turn, counting its calls. */
  const scripted = (...results: Partial<WalCheckpoint>[]) => {
    let calls = 0;
    const checkpoint = (): WalCheckpoint => ({
      busy: false,
      logFrames: 0,
      checkpointedFrames: 0,
      ...results[Math.min(calls++, results.length - 1)],
    });
    return { checkpoint, calls: () => calls };
  };

  it('checkpoints again while writers appended during the round before, until one finds nothing new', () => {
    const run = scripted(
      { logFrames: 90_000, checkpointedFrames: 90_000 },
      { logFrames: 93_000, checkpointedFrames: 93_000 },
      { logFrames: 93_100, checkpointedFrames: 93_100 },
      { logFrames: 93_100, checkpointedFrames: 93_100 },
    );
    expect(checkpointUntilCaughtUp(run.checkpoint)).toEqual({
      busy: false,
      logFrames: 93_100,
      checkpointedFrames: 93_100,
    });
    expect(run.calls()).toBe(4);
  });

  it('stops after maxRounds behind a writer it does not catch', () => {
    let frames = 0;
    const checkpoint = (): WalCheckpoint => {
      frames += 1_000;
      return { busy: false, logFrames: frames, checkpointedFrames: frames - 500 };
    };
    expect(checkpointUntilCaughtUp(checkpoint, 3).logFrames).toBe(3_000);
  });

  it('stops when a reader holds the rest back, and at once when the checkpoint was busy', () => {
    const heldBack = scripted({ logFrames: 500, checkpointedFrames: 200 });
    expect(checkpointUntilCaughtUp(heldBack.checkpoint).checkpointedFrames).toBe(200);
    expect(heldBack.calls()).toBe(2);
    const busy = scripted({ busy: true, logFrames: 500 });
    expect(checkpointUntilCaughtUp(busy.checkpoint).busy).toBe(true);
    expect(busy.calls()).toBe(1);
  });
});
