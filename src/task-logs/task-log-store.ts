import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RowInsert } from '../database/row-insert';
import { escapedColumn, escapedTable } from '../database/sql-names';
import { withSqlRetry } from '../database/sql-retry';
import { TaskLogLineWire } from '../events/task-event';
import { TaskLogLine } from './task-log.entity';
import { trimCutoff } from './task-log-buffer';
import { inTransaction } from '../database/in-transaction';

/** Reads and writes task_logs; every query goes by the primary key (task_id, seq). */
@Injectable()
export class TaskLogStore {
  private readonly logger = new Logger(TaskLogStore.name);
  private readonly rowInsert: RowInsert<TaskLogLine>;

  constructor(
    @InjectRepository(TaskLogLine) private readonly lines: Repository<TaskLogLine>,
    private readonly config: AppConfig,
  ) {
    this.rowInsert = new RowInsert(lines);
  }

  /**
   * Each task's last seq, 0 for one with no line yet (a re-run numbers on from there): one query
   * for the tasks of a whole batch.
   */
  async lastSeqs(taskIds: string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>(taskIds.map((id) => [id, 0]));
    if (taskIds.length === 0) return found;
    const driver = this.lines.manager.connection.driver;
    const taskId = escapedColumn(this.lines, 'taskId');
    const ids = taskIds.map((_, index) => driver.createParameter(`p${index}`, index)).join(', ');
    // Written out: the worker asks for every task it runs, and the query builder cost more
    // CPU than the read.
    const rows: { taskId: string; seq: number | string }[] = await this.lines.query(
      `SELECT ${taskId} AS ${driver.escape('taskId')}, MAX(${escapedColumn(this.lines, 'seq')}) AS ${driver.escape('seq')} ` +
        `FROM ${escapedTable(this.lines)} WHERE ${taskId} IN (${ids}) GROUP BY ${taskId}`,
      taskIds,
    );
    for (const row of rows) found.set(row.taskId, Number(row.seq));
    return found;
  }

  /**
   * Writes the lines of several tasks (each in seq order) all or none, then deletes what is older
   * than each task's newest TASK_LOG_KEEP: one DELETE by key range per task, and only once a
   * task has more than that.
   */
  async append(batches: { taskId: string; lines: TaskLogLineWire[] }[]): Promise<void> {
    const written = batches.filter((batch) => batch.lines.length > 0);
    if (written.length === 0) return;
    const rows = written.flatMap(({ taskId, lines }) =>
      lines.map((line) => ({
        taskId,
        seq: line.seq,
        at: new Date(line.at),
        level: line.level,
        message: line.message,
      })),
    );
    const trims = written
      .map(({ taskId, lines }) => ({ taskId, cutoff: trimCutoff(lines[lines.length - 1].seq) }))
      .filter(({ cutoff }) => cutoff > 0);
    await withSqlRetry(
      async (attempt) => {
        // A try whose answer was lost may have committed: never insert a seq twice.
        if (
          attempt > 1 &&
          (await this.lines.existsBy({ taskId: rows[0].taskId, seq: rows[0].seq }))
        )
          return;
        if (trims.length === 0) {
          await this.rowInsert.runAllOrNone(rows);
          return;
        }
        await inTransaction(this.lines.manager, async (manager) => {
          await this.rowInsert.runInStatements(rows, manager);
          for (const { taskId, cutoff } of trims) {
            await manager.delete(TaskLogLine, { taskId, seq: LessThanOrEqual(cutoff) });
          }
        });
      },
      {
        what: 'write task log lines',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { tasks: written.length, first_task_id: written[0].taskId },
      },
    );
  }

  /** Up to `limit` lines after `afterSeq`, oldest first. */
  async after(taskId: string, afterSeq: number, limit: number): Promise<TaskLogLineWire[]> {
    const rows = await this.lines.find({
      where: { taskId, seq: MoreThan(afterSeq) },
      order: { seq: 'ASC' },
      take: limit,
    });
    return rows.map((row) => ({
      seq: row.seq,
      at: row.at.toISOString(),
      level: row.level,
      message: row.message,
    }));
  }
}
