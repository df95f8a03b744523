import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import {
  checkpointUntilCaughtUp,
  checkpointWal,
  IDLE_TRUNCATE_WAIT_MS,
  truncateLargeWal,
  WalCheckpoint,
  walIdle,
  WalCheckpointThreadData,
} from './wal-checkpoint';

// A connection of its own, off the event loop: a checkpoint copies megabytes and fsyncs, which
// on the process's main connection stalled every request arriving meanwhile.
const { path, intervalMs } = workerData as WalCheckpointThreadData;
// The busy timeout bounds only the truncating checkpoint: a PASSIVE one never waits.
const db = new Database(path, { timeout: IDLE_TRUNCATE_WAIT_MS });
let previous: WalCheckpoint | undefined;
const timer = setInterval(() => {
  try {
    const last = checkpointUntilCaughtUp(() => checkpointWal(db));
    if (walIdle(previous, last)) truncateLargeWal(db, `${path}-wal`);
    previous = last;
  } catch (error) {
    // The parent logs it and goes back to checkpointing on its own connection.
    clearInterval(timer);
    db.close();
    throw error;
  }
}, intervalMs);
parentPort?.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
