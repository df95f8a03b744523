import { MigrationInterface, QueryRunner, Table } from 'typeorm';

export class CreateEmailDeliveries1764300000001 implements MigrationInterface {
  name = 'CreateEmailDeliveries1764300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'email_deliveries',
        columns: [
          { name: 'task_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'recipient', type: 'varchar', length: '320', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'message_id', type: 'varchar', length: '998', isNullable: true },
          { name: 'response', type: 'text', isNullable: true },
          { name: 'sent_at', type: 'varchar', length: '32', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('email_deliveries');
  }
}
