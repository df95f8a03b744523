import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

export class CreateFiles1764300000002 implements MigrationInterface {
  name = 'CreateFiles1764300000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'files',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'filename', type: 'varchar', length: '255' },
          { name: 'size', type: 'bigint' },
          { name: 'content_type', type: 'varchar', length: '100' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'sha256', type: 'varchar', length: '64' },
          { name: 'created_at', type: timestamp },
          { name: 'used_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'files',
      new TableIndex({
        name: 'idx_files_unused_created_at',
        columnNames: ['used_at', 'created_at'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('files');
  }
}
