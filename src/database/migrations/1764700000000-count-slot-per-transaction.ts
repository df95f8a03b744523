import { MigrationInterface, QueryRunner } from 'typeorm';
import { COUNT_SLOTS } from './1764300000003-count-tasks';

type Slot = 'random' | 'transaction';

/**
 * PostgreSQL only. The counts trigger added each row to a task_counts slot picked at random,
 * so two multi-row writes at once (two bulk submits) locked the same count rows in opposite
 * orders and deadlocked. Now one transaction adds all its rows to one slot, chosen by its
 * transaction id (consecutive transactions still spread over the slots), and an UPDATE takes
 * its two count rows in key order. Writers that hand in their rows in key order, as TaskStore
 * does, then take their count locks in one global order and cannot deadlock on them.
 * SQLite locks the whole database per write and keeps its triggers.
 */
export class CountSlotPerTransaction1764700000000 implements MigrationInterface {
  name = 'CountSlotPerTransaction1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(trackFunction('transaction'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    await queryRunner.query(trackFunction('random'));
  }
}

/** The trigger function of the counts; the triggers name it and follow its replacement. */
function trackFunction(slot: Slot): string {
  const slotOf = slot === 'random' ? `floor(random() * ${COUNT_SLOTS})` : 'chosen_slot';
  const add = (row: 'NEW' | 'OLD', delta: 1 | -1): string =>
    `INSERT INTO task_counts (project, status, task_type, slot, count)
     VALUES (${row}.project, ${row}.status, ${row}.task_type, ${slotOf}, ${delta})
     ON CONFLICT (project, status, task_type, slot) DO UPDATE SET count = task_counts.count + ${delta};`;
  // Byte order, as JavaScript compares the same ASCII keys when TaskStore sorts its rows.
  const key = (row: 'NEW' | 'OLD'): string =>
    `ROW(${row}.project COLLATE "C", ${row}.status COLLATE "C", ${row}.task_type COLLATE "C")`;
  return `CREATE OR REPLACE FUNCTION task_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      chosen_slot integer := txid_current() % ${COUNT_SLOTS};
    BEGIN
      IF TG_OP = 'INSERT' THEN ${add('NEW', 1)}
      ELSIF TG_OP = 'DELETE' THEN ${add('OLD', -1)}
      ELSIF ${key('OLD')} < ${key('NEW')} THEN ${add('OLD', -1)} ${add('NEW', 1)}
      ELSE ${add('NEW', 1)} ${add('OLD', -1)}
      END IF;
      RETURN NULL;
    END $$`;
}
