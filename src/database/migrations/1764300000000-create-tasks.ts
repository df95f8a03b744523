import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateTasks1764300000000 implements MigrationInterface {
  name = 'CreateTasks1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The driver's own timestamp type: "datetime" on SQLite, "timestamp" on PostgreSQL.
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'tasks',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'task_type', type: 'varchar', length: '32' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_at', type: timestamp },
          { name: 'started_at', type: timestamp, isNullable: true },
          { name: 'completed_at', type: timestamp, isNullable: true },
          { name: 'progress', type: 'real', default: 0 },
          { name: 'input_params', type: 'text' },
          { name: 'result_data', type: 'text', isNullable: true },
          { name: 'error_message', type: 'text', isNullable: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'retry_of', type: 'varchar', length: '36', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndices('tasks', [
      new TableIndex({ name: 'idx_tasks_created_at', columnNames: ['created_at', 'id'] }),
      new TableIndex({
        name: 'idx_tasks_status_created_at',
        columnNames: ['status', 'created_at', 'id'],
      }),
      new TableIndex({
        name: 'idx_tasks_type_created_at',
        columnNames: ['task_type', 'created_at', 'id'],
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('tasks');
  }
}
