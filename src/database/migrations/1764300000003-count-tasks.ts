import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Keeps a running count of tasks per (status, task_type) in task_counts, maintained by
 * triggers, so that a listing's exact `total` is a sum of a few rows instead of a COUNT over
 * every matching task. Each change adds or subtracts 1 in one of SLOTS rows chosen at random:
 * concurrent writers on PostgreSQL then rarely wait on the same counter row. Only the sum over
 * the slots means anything.
 */
export const COUNT_SLOTS = 16;

export class CountTasks1764300000003 implements MigrationInterface {
  name = 'CountTasks1764300000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'task_counts',
        columns: [
          { name: 'status', type: 'varchar', length: '16', isPrimary: true },
          { name: 'task_type', type: 'varchar', length: '32', isPrimary: true },
          { name: 'slot', type: 'integer', isPrimary: true },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
    await queryRunner.query(
      `INSERT INTO task_counts (status, task_type, slot, count)
       SELECT status, task_type, 0, COUNT(*) FROM tasks GROUP BY status, task_type`,
    );
    if (queryRunner.connection.driver.options.type === 'postgres')
      await this.postgresTriggers(queryRunner);
    else await this.sqliteTriggers(queryRunner);
    await queryRunner.createIndex(
      'tasks',
      new TableIndex({
        name: 'idx_tasks_status_type_created_at',
        columnNames: ['status', 'task_type', 'created_at', 'id'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('tasks', 'idx_tasks_status_type_created_at');
    if (queryRunner.connection.driver.options.type === 'postgres') {
      await queryRunner.query(`DROP TRIGGER task_counts_on_change ON tasks`);
      await queryRunner.query(`DROP TRIGGER task_counts_on_status ON tasks`);
      await queryRunner.query(`DROP FUNCTION task_counts_track()`);
    } else {
      for (const name of ['insert', 'update', 'delete'])
        await queryRunner.query(`DROP TRIGGER task_counts_on_${name}`);
    }
    await queryRunner.dropTable('task_counts');
  }

  private async sqliteTriggers(queryRunner: QueryRunner): Promise<void> {
    const add = (row: 'NEW' | 'OLD', delta: 1 | -1): string =>
      `INSERT INTO task_counts (status, task_type, slot, count)
       VALUES (${row}.status, ${row}.task_type, abs(random()) % ${COUNT_SLOTS}, ${delta})
       ON CONFLICT (status, task_type, slot) DO UPDATE SET count = count + ${delta};`;
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_insert AFTER INSERT ON tasks BEGIN ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_update AFTER UPDATE OF status, task_type ON tasks
       WHEN OLD.status IS NOT NEW.status OR OLD.task_type IS NOT NEW.task_type
       BEGIN ${add('OLD', -1)} ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_delete AFTER DELETE ON tasks BEGIN ${add('OLD', -1)} END`,
    );
  }

  private async postgresTriggers(queryRunner: QueryRunner): Promise<void> {
    const add = (row: 'NEW' | 'OLD', delta: 1 | -1): string =>
      `INSERT INTO task_counts (status, task_type, slot, count)
       VALUES (${row}.status, ${row}.task_type, floor(random() * ${COUNT_SLOTS}), ${delta})
       ON CONFLICT (status, task_type, slot) DO UPDATE SET count = task_counts.count + ${delta};`;
    await queryRunner.query(
      `CREATE FUNCTION task_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('UPDATE', 'DELETE') THEN ${add('OLD', -1)} END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') THEN ${add('NEW', 1)} END IF;
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_change AFTER INSERT OR DELETE ON tasks
       FOR EACH ROW EXECUTE FUNCTION task_counts_track()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_status AFTER UPDATE OF status, task_type ON tasks
       FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.task_type IS DISTINCT FROM NEW.task_type)
       EXECUTE FUNCTION task_counts_track()`,
    );
  }
}
