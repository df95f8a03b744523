import { MigrationInterface, QueryRunner } from 'typeorm';

/** Retention: the finished tasks that completed before a cutoff, from the index alone. */
export class IndexFinishedTasks1764600000500 implements MigrationInterface {
  name = 'IndexFinishedTasks1764600000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_status_completed_at ON tasks (status, completed_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_status_completed_at`);
  }
}
