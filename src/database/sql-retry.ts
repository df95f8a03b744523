import { SqlRetryPolicy } from '../config/sql-retry-policy';

export type { SqlRetryPolicy };

/** No single wait grows past this (unless delayMs itself is larger), so the budget stays bounded. */
export const MAX_SQL_RETRY_DELAY_MS = 5_000;

/**
 * SQLite: another connection holds the write lock for longer than the busy timeout (extended
 * codes such as SQLITE_BUSY_SNAPSHOT included). PostgreSQL: the server ended the session
 * (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), the connection failed
 * (class 08), or the transaction was rolled back by a serialization failure or deadlock.
 */
const TRANSIENT_CODE = /^(SQLITE_BUSY|SQLITE_LOCKED)|^(57P0[123]|08\d{3}|40001|40P01)$/;
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
/** node-postgres reports a dropped socket with these messages and no code. */
const TRANSIENT_MESSAGE =
  /Connection terminated|not queryable|terminating connection|timeout exceeded when trying to connect/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** The error and what it wraps: TypeORM keeps the driver's error as driverError. */
export function* chainOf(error: unknown): Generator<ErrorLike> {
  const seen = new Set<unknown>();
  let current = error;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const link = current as ErrorLike;
    yield link;
    current = link.driverError ?? link.cause;
  }
}

/** Whether the error may pass if the same statement is simply run again. */
export function isTransientSqlError(error: unknown): boolean {
  for (const link of chainOf(error)) {
    const code = typeof link.code === 'string' ? link.code : '';
    if (TRANSIENT_CODE.test(code) || TRANSIENT_NETWORK_CODES.has(code)) return true;
    if (typeof link.message === 'string' && TRANSIENT_MESSAGE.test(link.message)) return true;
  }
  return false;
}

/** The wait before retry number `retry` (1-based): doubling, capped, with jitter. */
export function sqlRetryDelay(
  policy: SqlRetryPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.delayMs * 2 ** (retry - 1),
    Math.max(MAX_SQL_RETRY_DELAY_MS, policy.delayMs),
  );
  // Between half and all of the ceiling, so that workers hit by the same outage do not all
  // come back in the same millisecond.
  return Math.round(ceiling * (0.5 + random() / 2));
}

export interface SqlRetryOptions {
  /** What is being written, for the log line ("mark task SUCCESS"). */
  what: string;
  policy: SqlRetryPolicy;
  logger: { warn(message: Record<string, unknown>): void };
  /** Fields every log line carries (task_id…). */
  context?: Record<string, unknown>;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Told of every retry in this process (conveyor_sql_retries_total); one observer at most. */
let retryObserver: (() => void) | undefined;

/** Sets (or, with undefined, clears) the one function told of each SQL retry. */
export function observeSqlRetries(observer: (() => void) | undefined): void {
  retryObserver = observer;
}

/**
 * Runs `operation` and, while it fails with a transient SQL error and tries are left, waits and
 * runs it again, logging each retry. The operation receives the try number, so that a write
 * whose first try may have committed before its answer was lost can check before redoing it.
 * Any other error, or the last transient one, is thrown as it is.
 */
export async function withSqlRetry<T>(
  operation: (attempt: number) => Promise<T>,
  { what, policy, logger, context = {}, sleep = sleepFor }: SqlRetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isTransientSqlError(error)) throw error;
      const delayMs = sqlRetryDelay(policy, attempt);
      retryObserver?.();
      const { message, code } = error as ErrorLike;
      logger.warn({
        ...context,
        msg: `SQL retried: ${what}`,
        attempt,
        attempts: policy.attempts,
        delay_ms: delayMs,
        error: typeof message === 'string' ? message : String(error),
        code: typeof code === 'string' ? code : undefined,
      });
      await sleep(delayMs);
    }
  }
}
