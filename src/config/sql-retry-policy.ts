/** How a write that hit a transient SQL error is tried again (SQL_RETRY_ATTEMPTS, SQL_RETRY_DELAY_MS). */
export interface SqlRetryPolicy {
  /** Tries in all, the first included; 1 means no retry. */
  attempts: number;
  /** Wait before the first retry; it doubles for each next one, up to MAX_SQL_RETRY_DELAY_MS. */
  delayMs: number;
}
