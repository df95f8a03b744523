import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { withSqlRetry } from '../database/sql-retry';
import { LimitsRedis } from './limits-redis';
import { LimitExceededError } from './limit-errors';
import { outputTaskRefusal, StorageUse, uploadRefusal } from './storage-quota';

/** Statuses that count against QUOTA_ACTIVE_TASKS. */
const UNFINISHED = ['PENDING', 'RUNNING', 'SCHEDULED'];
const SECONDS_PER_DAY = 86_400;
/** How long a count of unfinished tasks read at submit may stand in for a new read. */
const ACTIVE_COUNT_FRESH_MS = 1000;
/** Projects whose count is remembered at most; past it the memory starts again. */
const MAX_REMEMBERED_PROJECTS = 10_000;

/** The unfinished tasks of a project as last read, and those this process added since. */
interface ActiveCount {
  total: number;
  readAt: number;
  addedSince: number;
}

/** A reservation of e-mail recipients; released when the task it was for was not created. */
export interface EmailReservation {
  release(): Promise<void>;
}

const NOTHING_RESERVED: EmailReservation = { release: () => Promise.resolve() };

/**
 * The per-project quotas of §8, each checked with one cheap query at submit, retry or upload:
 * unfinished tasks from the trigger-kept counts, stored bytes from the uploads' sizes and the
 * finished tasks' output_bytes, e-mail recipients per UTC day from a Redis counter.
 */
@Injectable()
export class QuotaService {
  private readonly logger = new Logger(QuotaService.name);
  private readonly activeCounts = new Map<string, ActiveCount>();

  constructor(
    private readonly config: AppConfig,
    private readonly redis: LimitsRedis,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * 429 when the project already has QUOTA_ACTIVE_TASKS unfinished tasks. A count read less
   * than ACTIVE_COUNT_FRESH_MS ago, plus what this process added since, answers without a new
   * read while it stays at most half the quota: far from the limit a second's drift cannot
   * reach it, and near it every check reads the count afresh, as before.
   */
  async checkActiveTasks(project: string, adding = 1): Promise<void> {
    const limit = this.config.limits.quotaActiveTasks;
    const now = Date.now();
    const known = this.activeCounts.get(project);
    if (
      known &&
      now - known.readAt < ACTIVE_COUNT_FRESH_MS &&
      known.total + known.addedSince + adding <= limit / 2
    ) {
      known.addedSince += adding;
      return;
    }
    const total = await this.countActiveTasks(project);
    if (total + adding > limit) {
      throw new LimitExceededError(
        429,
        `Quota reached: QUOTA_ACTIVE_TASKS is ${limit} unfinished tasks per project; wait for some to finish or cancel some`,
        60,
      );
    }
    if (this.activeCounts.size >= MAX_REMEMBERED_PROJECTS) this.activeCounts.clear();
    this.activeCounts.set(project, { total, readAt: now, addedSince: adding });
  }

  private async countActiveTasks(project: string): Promise<number> {
    const row = await this.read('count unfinished tasks', () =>
      this.dataSource
        .createQueryBuilder()
        .select('COALESCE(SUM(counts.count), 0)', 'total')
        .from('task_counts', 'counts')
        .where('counts.project = :project', { project })
        .andWhere('counts.status IN (:...statuses)', { statuses: UNFINISHED })
        .getRawOne<{ total: string | number }>(),
    );
    return Number(row?.total ?? 0);
  }

  /** 413 when `adding` bytes would take the project's uploads and outputs past the quota. */
  async checkStorage(project: string, adding: number): Promise<void> {
    const detail = uploadRefusal(
      this.config.limits.quotaStorageBytes,
      await this.storageUse(project),
      adding,
    );
    if (detail) throw new LimitExceededError(413, detail);
  }

  /** 413 for a task that writes files when the project is already at or over the quota. */
  async checkStorageForOutputs(project: string): Promise<void> {
    const detail = outputTaskRefusal(
      this.config.limits.quotaStorageBytes,
      await this.storageUse(project),
    );
    if (detail) throw new LimitExceededError(413, detail);
  }

  /**
   * A quota read, retried through a dropped connection as the writes are: the submit it guards
   * would otherwise fail with 503 for a read that is safe to repeat.
   */
  private read<T>(what: string, query: () => Promise<T>): Promise<T> {
    return withSqlRetry(query, { what, policy: this.config.sqlRetry, logger: this.logger });
  }

  private async storageUse(project: string): Promise<StorageUse> {
    const [uploads, outputs] = await this.read('sum stored bytes', () =>
      Promise.all([
        this.dataSource
          .createQueryBuilder()
          .select('COALESCE(SUM(files.size), 0)', 'total')
          .from('files', 'files')
          .where('files.project = :project', { project })
          .getRawOne<{ total: string | number }>(),
        this.dataSource
          .createQueryBuilder()
          .select('COALESCE(SUM(tasks.output_bytes), 0)', 'total')
          .from('tasks', 'tasks')
          .where('tasks.project = :project', { project })
          .getRawOne<{ total: string | number }>(),
      ]),
    );
    return { uploads: Number(uploads?.total ?? 0), outputs: Number(outputs?.total ?? 0) };
  }

  /**
   * Counts `recipients` against today's QUOTA_EMAILS_PER_DAY of the project, or answers 429
   * and counts nothing; release the reservation if the task is then not created.
   */
  async reserveEmails(project: string, recipients: number): Promise<EmailReservation> {
    if (recipients <= 0) return NOTHING_RESERVED;
    const limit = this.config.limits.quotaEmailsPerDay;
    const now = new Date();
    const key = `emails:${project}:${now.toISOString().slice(0, 10)}`;
    let reserved: boolean;
    try {
      reserved = await this.redis.reserve(key, recipients, limit, 2 * SECONDS_PER_DAY);
    } catch (error) {
      // Redis away: the task is kept (recovery enqueues it later) rather than refused.
      this.logger.warn(`E-mail quota not checked: ${(error as Error).message}`);
      return NOTHING_RESERVED;
    }
    if (!reserved) {
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
      throw new LimitExceededError(
        429,
        `Quota reached: QUOTA_EMAILS_PER_DAY is ${limit} recipients per project and day (UTC); this task has ${recipients}`,
        Math.ceil((midnight - now.getTime()) / 1000),
      );
    }
    return { release: () => this.redis.release(key, recipients).catch(() => undefined) };
  }
}
