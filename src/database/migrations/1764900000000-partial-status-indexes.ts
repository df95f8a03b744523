import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two status indexes that serve only some rows, made partial. (status, run_at) is read only
 * for SCHEDULED tasks, which all have a run_at, and (status, completed_at) only for finished
 * ones, yet each status write of every task changed both: SQLite moves an entry whenever an
 * indexed column changes, and PostgreSQL adds one to every index on a status change (never a
 * HOT update). Partial, the RUNNING write of a task submitted without run_at touches neither,
 * and its SUCCESS write adds one entry instead of moving two. The columns stay as they were, so
 * the planners choose them as before; a query uses one when it compares its column (any
 * comparison implies IS NOT NULL, whatever the parameter's value).
 */
export class PartialStatusIndexes1764900000000 implements MigrationInterface {
  name = 'PartialStatusIndexes1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.replace(queryRunner, 'run_at', 'WHERE run_at IS NOT NULL');
    await this.replace(queryRunner, 'completed_at', 'WHERE completed_at IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.replace(queryRunner, 'run_at', '');
    await this.replace(queryRunner, 'completed_at', '');
  }

  private async replace(
    queryRunner: QueryRunner,
    column: 'run_at' | 'completed_at',
    where: string,
  ): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_status_${column}`);
    await queryRunner.query(
      `CREATE INDEX idx_tasks_status_${column} ON tasks (status, ${column}) ${where}`,
    );
  }
}
