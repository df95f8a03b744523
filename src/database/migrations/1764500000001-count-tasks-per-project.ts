import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { COUNT_SLOTS } from './1764300000003-count-tasks';

/**
 * Gives the trigger-kept task counts a project dimension, so that a project's listing total
 * and its /api/tasks/stats stay a sum of a few rows at any size; and indexes that begin with
 * the project, so that a project's page is read from the index as before. The status index
 * stays (recovery and admins of all projects use it), as does the one on created_at.
 */
export class CountTasksPerProject1764500000001 implements MigrationInterface {
  name = 'CountTasksPerProject1764500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await this.dropTriggers(queryRunner, postgres);
    await queryRunner.dropTable('task_counts');
    await queryRunner.createTable(
      new Table({
        name: 'task_counts',
        columns: [
          { name: 'project', type: 'varchar', length: '64', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16', isPrimary: true },
          { name: 'task_type', type: 'varchar', length: '32', isPrimary: true },
          { name: 'slot', type: 'integer', isPrimary: true },
          { name: 'count', type: 'integer' },
        ],
      }),
    );
    await queryRunner.query(
      `INSERT INTO task_counts (project, status, task_type, slot, count)
       SELECT project, status, task_type, 0, COUNT(*) FROM tasks GROUP BY project, status, task_type`,
    );
    if (postgres) await this.postgresTriggers(queryRunner);
    else await this.sqliteTriggers(queryRunner);
    await queryRunner.dropIndex('tasks', 'idx_tasks_type_created_at');
    await queryRunner.dropIndex('tasks', 'idx_tasks_status_type_created_at');
    await queryRunner.createIndices('tasks', PROJECT_INDICES);
  }

  async down(): Promise<void> {
    throw new Error('CountTasksPerProject cannot be reverted: restore a backup instead');
  }

  private async dropTriggers(queryRunner: QueryRunner, postgres: boolean): Promise<void> {
    if (postgres) {
      await queryRunner.query(`DROP TRIGGER task_counts_on_change ON tasks`);
      await queryRunner.query(`DROP TRIGGER task_counts_on_status ON tasks`);
      await queryRunner.query(`DROP FUNCTION task_counts_track()`);
    } else {
      for (const name of ['insert', 'update', 'delete'])
        await queryRunner.query(`DROP TRIGGER task_counts_on_${name}`);
    }
  }

  private async sqliteTriggers(queryRunner: QueryRunner): Promise<void> {
    const add = (row: 'NEW' | 'OLD', delta: 1 | -1): string =>
      `INSERT INTO task_counts (project, status, task_type, slot, count)
       VALUES (${row}.project, ${row}.status, ${row}.task_type, abs(random()) % ${COUNT_SLOTS}, ${delta})
       ON CONFLICT (project, status, task_type, slot) DO UPDATE SET count = count + ${delta};`;
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_insert AFTER INSERT ON tasks BEGIN ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_update AFTER UPDATE OF status, task_type, project ON tasks
       WHEN OLD.status IS NOT NEW.status OR OLD.task_type IS NOT NEW.task_type
         OR OLD.project IS NOT NEW.project
       BEGIN ${add('OLD', -1)} ${add('NEW', 1)} END`,
    );
    await queryRunner.query(
      `CREATE TRIGGER task_counts_on_delete AFTER DELETE ON tasks BEGIN ${add('OLD', -1)} END`,
    );
  }

  private async postgresTriggers(queryRunner: QueryRunner): Promise<void> {
    const add = (row: 'NEW' | 'OLD', delta: 1 | -1): string =>
      `INSERT INTO task_counts (project, status, task_type, slot, count)
       VALUES (${row}.project, ${row}.status, ${row}.task_type, floor(random() * ${COUNT_SLOTS}), ${delta})
       ON CONFLICT (project, status, task_type, slot) DO UPDATE SET count = task_counts.count + ${delta};`;
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
      `CREATE TRIGGER task_counts_on_status AFTER UPDATE OF status, task_type, project ON tasks
       FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
         OR OLD.task_type IS DISTINCT FROM NEW.task_type OR OLD.project IS DISTINCT FROM NEW.project)
       EXECUTE FUNCTION task_counts_track()`,
    );
  }
}

export const PROJECT_INDICES = [
  new TableIndex({
    name: 'idx_tasks_project_created_at',
    columnNames: ['project', 'created_at', 'id'],
  }),
  new TableIndex({
    name: 'idx_tasks_project_status_created_at',
    columnNames: ['project', 'status', 'created_at', 'id'],
  }),
  new TableIndex({
    name: 'idx_tasks_project_type_created_at',
    columnNames: ['project', 'task_type', 'created_at', 'id'],
  }),
  new TableIndex({
    name: 'idx_tasks_project_status_type_created_at',
    columnNames: ['project', 'status', 'task_type', 'created_at', 'id'],
  }),
];
