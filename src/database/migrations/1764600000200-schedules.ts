import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Cron schedules (§9), and the schedule a task was made by. */
export class Schedules1764600000200 implements MigrationInterface {
  name = 'Schedules1764600000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'schedules',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'cron', type: 'varchar', length: '200' },
          { name: 'timezone', type: 'varchar', length: '64' },
          { name: 'task_type', type: 'varchar', length: '32' },
          { name: 'input_params', type: 'text' },
          { name: 'priority', type: 'integer', isNullable: true },
          { name: 'timeout_seconds', type: 'integer', isNullable: true },
          { name: 'enabled', type: 'boolean' },
          { name: 'next_run_at', type: timestamp, isNullable: true },
          { name: 'last_run_at', type: timestamp, isNullable: true },
          { name: 'last_task_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'last_error', type: 'text', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'updated_at', type: timestamp },
        ],
        indices: [
          {
            name: 'idx_schedules_project_created_at',
            columnNames: ['project', 'created_at', 'id'],
          },
          { name: 'idx_schedules_next_run_at', columnNames: ['next_run_at'] },
        ],
      }),
    );
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN schedule_id varchar(36) NULL`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_tasks_schedule_id_created_at ON tasks (schedule_id, created_at, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS idx_tasks_schedule_id_created_at`);
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN schedule_id`);
    await queryRunner.dropTable('schedules');
  }
}
