import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/**
 * Idempotency keys (§10): one row per project and key, unique, so that concurrent duplicates on
 * any API instance meet at the same row; the answer is stored there once the first request has
 * one. The expiry index serves the sweep that purges keys past their 24 hours.
 */
export class IdempotencyKeys1764600000300 implements MigrationInterface {
  name = 'IdempotencyKeys1764600000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'key', type: 'varchar', length: '255' },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'response_status', type: 'integer', isNullable: true },
          { name: 'response_body', type: 'text', isNullable: true },
          { name: 'created_at', type: timestamp },
          { name: 'expires_at', type: timestamp },
        ],
        indices: [
          {
            name: 'idx_idempotency_keys_project_key',
            columnNames: ['project', 'key'],
            isUnique: true,
          },
          { name: 'idx_idempotency_keys_expires_at', columnNames: ['expires_at'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
