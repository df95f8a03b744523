import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { checkpointUntilCaughtUp, checkpointWal, WalCheckpointThreadData } from './wal-checkpoint';

// A connection of its own, off the event loop: a checkpoint copies megabytes and fsyncs, which
// on the process's main connection stalled every request arriving meanwhile.
const { path, intervalMs } = workerData as WalCheckpointThreadData;
const db = new Database(path);
const timer = setInterval(() => {
  try {
    checkpointUntilCaughtUp(() => checkpointWal(db));
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
