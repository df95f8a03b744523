import { MigrationInterface, QueryRunner } from 'typeorm';

/** The bytes of a finished task's output and outbox files, counted in QUOTA_STORAGE_BYTES. */
export class AddTaskOutputBytes1764500000002 implements MigrationInterface {
  name = 'AddTaskOutputBytes1764500000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN output_bytes bigint NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN output_bytes`);
  }
}
