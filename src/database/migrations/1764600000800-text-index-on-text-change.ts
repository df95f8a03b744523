import { MigrationInterface, QueryRunner } from 'typeorm';

const FTS_ROW = (row: 'NEW' | 'OLD') => `${row}.rowid, ${row}.error_message, ${row}.input_params`;

/**
 * SQLite: the FTS5 index of the task text is rewritten only when that text changes. `UPDATE OF
 * error_message` fires whenever the column is assigned, and every SUCCESS assigns it (to clear a
 * retried run's error), so each finished task re-tokenised its input for nothing. PostgreSQL's
 * trigram indexes are not kept by triggers: nothing to do there.
 */
export class TextIndexOnTextChange1764600000800 implements MigrationInterface {
  name = 'TextIndexOnTextChange1764600000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.replaceTrigger(
      queryRunner,
      `WHEN OLD.error_message IS NOT NEW.error_message OR OLD.input_params IS NOT NEW.input_params`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.replaceTrigger(queryRunner, '');
  }

  private async replaceTrigger(queryRunner: QueryRunner, when: string): Promise<void> {
    if (queryRunner.connection.driver.options.type === 'postgres') return;
    await queryRunner.query(`DROP TRIGGER tasks_fts_on_update`);
    await queryRunner.query(`CREATE TRIGGER tasks_fts_on_update
      AFTER UPDATE OF error_message, input_params ON tasks ${when}
      BEGIN
        INSERT INTO tasks_fts (tasks_fts, rowid, error_message, input_params)
          VALUES ('delete', ${FTS_ROW('OLD')});
        INSERT INTO tasks_fts (rowid, error_message, input_params) VALUES (${FTS_ROW('NEW')});
      END`);
  }
}
