/** PostgreSQL's unique_violation; SQLite's extended codes for a taken unique or primary key. */
const UNIQUE_CODE = /^(23505|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY)$/;

/** A unique index or primary key refused the row (TypeORM keeps the driver's error as driverError). */
export function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { code, driverError } = current as { code?: unknown; driverError?: unknown };
    if (typeof code === 'string' && UNIQUE_CODE.test(code)) return true;
    current = driverError;
  }
  return false;
}
