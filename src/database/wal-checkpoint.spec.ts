import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointWal } from './wal-checkpoint';

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
});
