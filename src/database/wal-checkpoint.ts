import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';

/**
 * How often the checkpoint thread copies the WAL's committed pages back into the database, each
 * time until it has caught up (checkpointUntilCaughtUp). With a worker beside the API, 300
 * submits/s wrote over 20,000 WAL pages a second (the INSERT and the task's two UPDATEs, a page
 * for each index they touch): every 5 s, the WAL reached the main connection's fallback
 * threshold between two checkpoints. Submits at 300/s with the worker running, p99: 16–17 ms
 * every 1 s with catching up, 19 ms every 5 s, 15–42 ms every 5 s with one round.
 */
export const WAL_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * While the thread checkpoints, the main connection still does once the WAL passes this many
 * pages (~400 MB): a safety net should the thread fall behind, far past what it lets build up.
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 100_000;

/** What a WAL checkpoint did: frames in the log, and how many of them are now in the database. */
export interface WalCheckpoint {
  busy: boolean;
  logFrames: number;
  checkpointedFrames: number;
}

/**
 * One PASSIVE checkpoint: copies what it can without waiting for any lock, so writers and
 * readers in this or another process go on meanwhile; what it cannot copy yet waits for the next.
 */
export function checkpointWal(db: Database): WalCheckpoint {
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as {
    busy: number;
    log: number;
    checkpointed: number;
  }[];
  return { busy: row.busy !== 0, logFrames: row.log, checkpointedFrames: row.checkpointed };
}

/** Rounds of one catch-up: under steady writes, two or three reach the WAL's end. */
export const MAX_CATCH_UP_ROUNDS = 5;

/**
 * Runs `checkpoint` (checkpointWal's PASSIVE one) until a round finds nothing more to copy, or
 * a reader on an older snapshot holds the rest back; at most `maxRounds`. A round copies the WAL
 * as it stood when it began while writers go on appending, and only a write after all of it was
 * copied starts the WAL again from its beginning. One round per interval seldom got there under
 * steady load: the WAL grew to the main connection's fallback threshold, whose checkpoints then
 * ran on the event loop (at 300 submits/s, one of 60–130 ms every 6 s). Each further round
 * copies only what was written during the one before.
 */
export function checkpointUntilCaughtUp(
  checkpoint: () => WalCheckpoint,
  maxRounds = MAX_CATCH_UP_ROUNDS,
): WalCheckpoint {
  let last = checkpoint();
  for (let round = 1; round < maxRounds && !last.busy; round++) {
    const next = checkpoint();
    const progressed =
      next.checkpointedFrames !== last.checkpointedFrames || next.logFrames !== last.logFrames;
    last = next;
    if (!progressed) break;
  }
  return last;
}

/**
 * SQLite reuses a WAL file from its start but never makes it smaller: after the queue
 * benchmark's burst it kept 415 MB for good. Once writes have stopped, the checkpoint thread
 * truncates a WAL file larger than this. The truncation holds the write lock while the file
 * system frees the file (145 ms for 416 MB, measured), once per burst. PRAGMA journal_size_limit
 * would truncate at every restart, under load too: 17 % fewer tasks/s in the queue benchmark.
 */
export const IDLE_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * How long the thread's truncating checkpoint waits for readers and writers: it holds the write
 * lock meanwhile, so a writer that arrives waits no longer than the service's own busy timeout
 * (SQLITE_BUSY_TIMEOUT_MS, 50 ms by default) would let it.
 */
export const IDLE_TRUNCATE_WAIT_MS = 50;

/**
 * Whether nothing was written between two intervals' catch-ups: the same frames in the log, all
 * of them copied into the database, and no checkpoint busy.
 */
export function walIdle(previous: WalCheckpoint | undefined, last: WalCheckpoint): boolean {
  return (
    previous !== undefined &&
    !previous.busy &&
    !last.busy &&
    last.logFrames === previous.logFrames &&
    last.checkpointedFrames === last.logFrames
  );
}

/**
 * Truncates the WAL file at `walPath` to zero bytes when it is larger than `limitBytes` (a
 * TRUNCATE checkpoint, which waits for readers and writers as long as `db`'s busy timeout).
 * Returns whether it did; a reader or writer that outlasted the wait leaves it for later.
 */
export function truncateLargeWal(
  db: Database,
  walPath: string,
  limitBytes = IDLE_WAL_LIMIT_BYTES,
): boolean {
  const size = statSync(walPath, { throwIfNoEntry: false })?.size ?? 0;
  if (size <= limitBytes) return false;
  const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
  return row.busy === 0;
}

/** The data the checkpoint thread starts with. */
export interface WalCheckpointThreadData {
  path: string;
  intervalMs: number;
}
