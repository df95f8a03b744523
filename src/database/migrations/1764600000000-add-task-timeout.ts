import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each task's timeout in seconds (§9), filled at submit; null for tasks made before it existed. */
export class AddTaskTimeout1764600000000 implements MigrationInterface {
  name = 'AddTaskTimeout1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN timeout_seconds integer NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN timeout_seconds`);
  }
}
