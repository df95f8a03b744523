import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * API keys, the audit log, and a project on every row a client owns. Existing rows go to
 * `default`, the project of open mode. The column is added with plain ALTER TABLE on both
 * databases: TypeORM's addColumn rebuilds a SQLite table, which would drop its triggers.
 */
export class Identity1764500000000 implements MigrationInterface {
  name = 'Identity1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'key_hash', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'last_used_at', type: timestamp, isNullable: true },
          { name: 'revoked_at', type: timestamp, isNullable: true },
        ],
        indices: [{ name: 'idx_api_keys_hash', columnNames: ['key_hash'], isUnique: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'at', type: timestamp },
          { name: 'actor_key_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor_name', type: 'varchar', length: '100' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'resource', type: 'varchar', length: '100', isNullable: true },
          { name: 'project', type: 'varchar', length: '64' },
          { name: 'client_address', type: 'varchar', length: '64', isNullable: true },
        ],
        indices: [
          { name: 'idx_audit_log_at', columnNames: ['at', 'id'] },
          { name: 'idx_audit_log_project_at', columnNames: ['project', 'at', 'id'] },
        ],
      }),
    );
    for (const table of ['tasks', 'files', 'email_deliveries']) {
      await queryRunner.query(
        `ALTER TABLE ${table} ADD COLUMN project varchar(64) NOT NULL DEFAULT 'default'`,
      );
    }
    await queryRunner.createIndex(
      'files',
      new TableIndex({ name: 'idx_files_project', columnNames: ['project', 'id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('files', 'idx_files_project');
    for (const table of ['tasks', 'files', 'email_deliveries']) {
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN project`);
    }
    await queryRunner.dropTable('audit_log');
    await queryRunner.dropTable('api_keys');
  }
}
