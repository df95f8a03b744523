import { chainOf } from './sql-retry';

/** PostgreSQL's unique_violation; SQLite's extended codes for a taken unique or primary key. */
const UNIQUE_CODE = /^(23505|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY)$/;

/** A unique index or primary key refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  for (const { code } of chainOf(error)) {
    if (typeof code === 'string' && UNIQUE_CODE.test(code)) return true;
  }
  return false;
}
