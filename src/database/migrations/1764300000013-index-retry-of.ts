import { MigrationInterface, QueryRunner } from 'typeorm';

/** GET /api/tasks/?retry_of=<id>: a task's retries, newest first, from the index alone. */
export class IndexRetryOf1764300000013 implements MigrationInterface {
  name = 'IndexRetryOf1764300000013';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_retry_of_created_at ON tasks (retry_of, created_at, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_retry_of_created_at`);
  }
}
