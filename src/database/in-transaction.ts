import pLimit from 'p-limit';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * The transactions of one SQLite DataSource, one at a time, with every other statement of the
 * process held back while one is open.
 *
 * TypeORM's better-sqlite3 driver runs all of a DataSource's queries through one query runner on
 * one connection. Left alone, a second transaction begun while one is open fails ("cannot start
 * a transaction within a transaction"), and any other request's statement issued meanwhile runs
 * inside the open transaction: answered as done, then rolled back with it. A second connection
 * for transactions would not help: better-sqlite3 waits for a lock synchronously, so the first
 * connection's next write would block the event loop the open transaction needs to finish.
 */
class SqliteTurns {
  private readonly turn = pLimit(1);
  /** Manager of the transactions: its runner runs on the shared one's state, ungated. */
  private readonly transactions: EntityManager;
  private open = false;

  constructor(dataSource: DataSource) {
    const shared = dataSource.createQueryRunner();
    const query = shared.query.bind(shared);
    // Not an AsyncLocalStorage context to tell the transaction's own statements apart: enabling
    // one turns on promise hooks for the whole process (2.6x the cost of an await in Node 20).
    const own = Object.create(shared) as QueryRunner;
    own.query = query;
    this.transactions = dataSource.createEntityManager(own);
    // The driver offers no hook around its queries, so its one runner's `query` is wrapped.
    shared.query = ((...args: Parameters<QueryRunner['query']>) =>
      this.open ? this.turn(() => query(...args)) : query(...args)) as QueryRunner['query'];
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.turn(async () => {
      this.open = true;
      try {
        return await this.transactions.transaction(work);
      } finally {
        this.open = false;
      }
    });
  }
}

const sqliteTurns = new WeakMap<DataSource, SqliteTurns>();

/**
 * `work` in one transaction of `manager`'s database. On PostgreSQL each transaction has a pooled
 * connection of its own; on SQLite they take turns (see SqliteTurns; SQLite lets one writer in at
 * a time in any case). A transaction begun inside another (its manager given) nests as a
 * savepoint, as TypeORM's would. `work` must run its statements through the manager it is given:
 * on SQLite, one sent through any other waits for the transaction to end, which waits for it.
 */
export function inTransaction<T>(
  manager: EntityManager,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const dataSource = manager.connection;
  if (dataSource.options.type === 'postgres' || manager.queryRunner?.isTransactionActive) {
    return manager.transaction(work);
  }
  let turns = sqliteTurns.get(dataSource);
  if (turns === undefined) {
    turns = new SqliteTurns(dataSource);
    sqliteTurns.set(dataSource, turns);
  }
  return turns.transaction(work);
}
