import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { withSqlRetry } from '../database/sql-retry';
import { TaskLogLineWire } from '../events/task-event';
import { TaskLogLine } from './task-log.entity';
import { trimCutoff } from './task-log-buffer';

/** Rows per INSERT: five parameters each stays far below SQLite's 32,766. */
const INSERT_CHUNK = 200;

/** Reads and writes task_logs; every query goes by the primary key (task_id, seq). */
@Injectable()
export class TaskLogStore {
  private readonly logger = new Logger(TaskLogStore.name);

  constructor(
    @InjectRepository(TaskLogLine) private readonly lines: Repository<TaskLogLine>,
    private readonly config: AppConfig,
  ) {}

  /** The task's last seq, 0 when it has no line yet (a re-run numbers on from there). */
  async lastSeq(taskId: string): Promise<number> {
    const row = await this.lines.findOne({
      select: { seq: true },
      where: { taskId },
      order: { seq: 'DESC' },
    });
    return row?.seq ?? 0;
  }

  /**
   * Writes the lines (in seq order), then deletes what is older than the newest TASK_LOG_KEEP:
   * one DELETE by key range, and only once a task has more than that.
   */
  async append(taskId: string, lines: TaskLogLineWire[]): Promise<void> {
    if (lines.length === 0) return;
    const rows = lines.map((line) => ({
      taskId,
      seq: line.seq,
      at: new Date(line.at),
      level: line.level,
      message: line.message,
    }));
    await withSqlRetry(
      async (attempt) => {
        // A try whose answer was lost may have committed: never insert a seq twice.
        if (attempt > 1 && (await this.lines.existsBy({ taskId, seq: rows[0].seq }))) return;
        await this.lines.manager.transaction(async (manager) => {
          for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
            await manager
              .createQueryBuilder()
              .insert()
              .into(TaskLogLine)
              .values(rows.slice(start, start + INSERT_CHUNK))
              .updateEntity(false)
              .execute();
          }
          const cutoff = trimCutoff(rows[rows.length - 1].seq);
          if (cutoff > 0) {
            await manager.delete(TaskLogLine, { taskId, seq: LessThanOrEqual(cutoff) });
          }
        });
      },
      {
        what: 'write task log lines',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { task_id: taskId },
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
