import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Webhooks, their delivery log, and a task's own callback_url (§11). */
export class Webhooks1764600000700 implements MigrationInterface {
  name = 'Webhooks1764600000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'webhooks',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'events', type: 'text' },
          { name: 'secret', type: 'varchar', length: '512' },
          { name: 'created_at', type: timestamp },
        ],
        indices: [{ name: 'idx_webhooks_project', columnNames: ['project', 'created_at', 'id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'webhook_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'task_id', type: 'varchar', length: '36' },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'event', type: 'varchar', length: '32' },
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'attempt', type: 'integer' },
          { name: 'status_code', type: 'integer', isNullable: true },
          { name: 'duration_ms', type: 'integer' },
          { name: 'error', type: 'varchar', length: '500', isNullable: true },
          { name: 'created_at', type: timestamp },
        ],
        indices: [
          {
            name: 'idx_webhook_deliveries_webhook',
            columnNames: ['webhook_id', 'created_at', 'id'],
          },
          { name: 'idx_webhook_deliveries_task', columnNames: ['task_id'] },
        ],
      }),
    );
    // Plain ALTER TABLE: TypeORM's addColumn rebuilds the table on SQLite, dropping its triggers.
    await queryRunner.query(`ALTER TABLE tasks ADD COLUMN callback_url varchar(2048) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE tasks DROP COLUMN callback_url`);
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhooks');
  }
}
