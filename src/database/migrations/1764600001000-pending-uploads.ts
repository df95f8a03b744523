import { MigrationInterface, QueryRunner, Table } from 'typeorm';

/** Upload objects not (or no longer) backed by a files row (PendingUpload). */
export class PendingUploads1764600001000 implements MigrationInterface {
  name = 'PendingUploads1764600001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp = queryRunner.connection.driver.normalizeType({ type: Date });
    await queryRunner.createTable(
      new Table({
        name: 'pending_uploads',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'since', type: timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('pending_uploads');
  }
}
