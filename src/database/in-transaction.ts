import pLimit, { Limit } from 'p-limit';
import { DataSource, EntityManager } from 'typeorm';

const sqliteTurns = new WeakMap<DataSource, Limit>();

/**
 * `work` in one transaction of `manager`'s database. TypeORM's SQLite drivers run all of a
 * DataSource's queries on its one connection, so a second transaction begun while one is open
 * fails ("cannot start a transaction within a transaction") or ends the other's; on SQLite the
 * transactions of one process therefore take turns (SQLite lets one writer in at a time in any
 * case). On PostgreSQL each transaction has a pooled connection of its own. A transaction begun
 * inside another (its manager given) nests as a savepoint, as TypeORM's would.
 */
export function inTransaction<T>(
  manager: EntityManager,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const dataSource = manager.connection;
  if (dataSource.options.type === 'postgres' || manager.queryRunner?.isTransactionActive) {
    return manager.transaction(work);
  }
  let turn = sqliteTurns.get(dataSource);
  if (turn === undefined) {
    turn = pLimit(1);
    sqliteTurns.set(dataSource, turn);
  }
  return turn(() => manager.transaction(work));
}
