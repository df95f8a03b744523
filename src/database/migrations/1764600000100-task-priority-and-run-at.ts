import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * §9: a task's priority (existing tasks take the default, 5) and the run_at of a delayed one;
 * an index for GET /api/tasks/?priority=N within a project, and one for the pass that moves
 * due SCHEDULED tasks to PENDING.
 */
export class TaskPriorityAndRunAt1764600000100 implements MigrationInterface {
  name = 'TaskPriorityAndRunAt1764600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN priority integer NOT NULL DEFAULT 5`);
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN run_at ${timestamp} NULL`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_project_priority_created_at
       ON tasks (project, priority, created_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_status_run_at ON tasks (status, run_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_status_run_at`);
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_project_priority_created_at`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN run_at`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN priority`);
  }
}
