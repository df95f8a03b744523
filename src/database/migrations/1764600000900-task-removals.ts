import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Retention's list of deleted tasks whose files are still to remove (TaskRemoval). */
export class TaskRemovals1764600000900 implements MigrationInterface {
  name = 'TaskRemovals1764600000900';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'task_removals',
        columns: [
          { name: 'task_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'upload_ids', type: 'text' },
          { name: 'deleted_at', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('task_removals');
  }
}
