import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * A task's own log lines (GET /api/tasks/{id}/logs), the newest 1,000 per task kept. The
 * primary key (task_id, seq) serves every read (`seq > after`) and the trim (`seq <= cutoff`);
 * a task's lines go with the task (ON DELETE CASCADE).
 */
export class CreateTaskLogs1764600000600 implements MigrationInterface {
  name = 'CreateTaskLogs1764600000600';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'task_logs',
        columns: [
          { name: 'task_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'at', type: timestamp },
          { name: 'level', type: 'varchar', length: '8' },
          { name: 'message', type: 'text' },
        ],
        foreignKeys: [
          {
            name: 'fk_task_logs_task',
            columnNames: ['task_id'],
            referencedTableName: 'tasks',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('task_logs');
  }
}
