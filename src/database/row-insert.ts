import { EntityManager, ObjectLiteral, Repository } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { inTransaction } from './in-transaction';
import { keepPrepared } from './prepared-statements';
import { escapedTable } from './sql-names';

/** Statement texts kept per RowInsert, one per row count. */
const MAX_KEPT_TEXTS = 16;
/** Bound parameters one statement may hold: SQLite's limit (PostgreSQL's is 65,535). */
const MAX_PARAMETERS = 32_766;
/** Kept texts with at most this many parameters are prepared on PostgreSQL (keepPrepared). */
const MAX_PREPARED_PARAMETERS = 1_000;

/**
 * INSERTs of new rows of one entity, written by hand: the values converted by the driver as
 * TypeORM's query builder would (dates, simple-json, transformers), the statement's text built
 * once per row count. Through the query builder, building a one-row INSERT cost more CPU than
 * SQLite took to run it. Every row of an insert sets the columns the first row ever inserted
 * set (the rows come from one factory); the others take their defaults, and nothing is read back.
 */
export class RowInsert<T extends ObjectLiteral> {
  private columns?: ColumnMetadata[];
  private readonly texts = new Map<number, string>();

  constructor(private readonly repository: Repository<T>) {}

  /** How many rows like `sample` one statement may hold within both databases' limits. */
  rowsPerStatement(sample: T): number {
    return Math.floor(MAX_PARAMETERS / this.columnsOf(sample).length);
  }

  /** Whether `rows` fit one statement: then run() writes them all or none by itself. */
  fitsOneStatement(rows: T[]): boolean {
    return rows.length === 0 || rows.length <= this.rowsPerStatement(rows[0]);
  }

  /**
   * Inserts `rows` all or none: as one statement, atomic by itself, when they fit one (the usual
   * case needs no transaction around it), else in several inside one transaction.
   */
  async runAllOrNone(rows: T[]): Promise<void> {
    if (this.fitsOneStatement(rows)) return this.run(rows);
    await inTransaction(this.repository.manager, (manager) => this.runInStatements(rows, manager));
  }

  /**
   * Inserts `rows` in as few statements as the parameter limits allow, through `manager`: a
   * transaction's when they must land together.
   */
  async runInStatements(rows: T[], manager: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    const perStatement = this.rowsPerStatement(rows[0]);
    for (let start = 0; start < rows.length; start += perStatement) {
      await this.run(rows.slice(start, start + perStatement), manager);
    }
  }

  /** Inserts `rows` in one statement, through `manager` (a transaction's) when given. */
  async run(rows: T[], manager: EntityManager = this.repository.manager): Promise<void> {
    if (rows.length === 0) return;
    const columns = this.columnsOf(rows[0]);
    const driver = manager.connection.driver;
    const values: unknown[] = [];
    for (const row of rows) {
      for (const column of columns) {
        const value: unknown = column.getEntityValue(row);
        // The driver would bind undefined as an error of its own, far from the cause.
        if (value === undefined) {
          throw new Error(
            `${this.repository.metadata.name}.${column.propertyName} is unset in a row to insert: every row of one RowInsert sets the same columns`,
          );
        }
        values.push(driver.preparePersistentValue(value, column) as unknown);
      }
    }
    await manager.query(this.text(rows.length, columns), values);
  }

  private columnsOf(row: T): ColumnMetadata[] {
    return (this.columns ??= this.repository.metadata.columns.filter(
      (column) => column.getEntityValue(row) !== undefined,
    ));
  }

  /** INSERT INTO <table> (<columns>) VALUES (<one placeholder each>), … for `count` rows. */
  private text(count: number, columns: ColumnMetadata[]): string {
    let sql = this.texts.get(count);
    if (sql === undefined) {
      const driver = this.repository.manager.connection.driver;
      const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
      let index = 0;
      const rows = Array.from(
        { length: count },
        () => `(${columns.map(() => driver.createParameter(`p${index}`, index++)).join(', ')})`,
      );
      sql = `INSERT INTO ${escapedTable(this.repository)} (${names}) VALUES ${rows.join(', ')}`;
      // The usual counts (one row, a full chunk) are kept; a stream of odd sizes is not.
      if (this.texts.size < MAX_KEPT_TEXTS) {
        this.texts.set(count, sql);
        // A big statement's planning is little beside its rows, and its plan large to keep.
        if (index <= MAX_PREPARED_PARAMETERS) keepPrepared(sql);
      }
    }
    return sql;
  }
}
