import { MigrationInterface, QueryRunner } from 'typeorm';

/** When a running task's worker last showed it is alive (see TaskRunner and TaskRecovery). */
export class AddTaskHeartbeat1764300000004 implements MigrationInterface {
  name = 'AddTaskHeartbeat1764300000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN heartbeat_at ${timestamp} NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN heartbeat_at`);
  }
}
