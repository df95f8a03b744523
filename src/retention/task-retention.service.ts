import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { FINISHED_STATUSES } from '../core/finished-statuses';
import { EmailDelivery } from '../database/email-delivery.entity';
import { StoredFile } from '../database/stored-file.entity';
import { Task } from '../database/task.entity';
import { ObjectStorage } from '../storage/object-storage';
import { outboxFolder, taskFolder, uploadKey } from '../storage/storage-keys';
import { RetentionLock } from './retention-lock';
import { TaskRemoval } from './task-removal.entity';
import { uploadIdsOf } from './upload-references';
import { inTransaction } from '../database/in-transaction';

/** Tasks deleted per statement; a sweep goes on batch after batch until none is left. */
export const RETENTION_BATCH = 500;
/** The lock outlives any sweep: a sweep stops starting batches after half of it. */
const LOCK_TTL_MS = 10 * 60_000;

export interface SweepTotals {
  tasks: number;
  /** Output, outbox and upload files removed. */
  files: number;
  bytes: number;
  uploads: number;
}

/** A task that is the retry_of of another: kept while that one exists (see sweepBatch). */
const HAS_NO_RETRY = (alias: string) =>
  `NOT EXISTS (SELECT 1 FROM tasks retried WHERE retried.retry_of = ${alias}.id)`;

const NOTHING_REMOVED: SweepTotals = { tasks: 0, files: 0, bytes: 0, uploads: 0 };

/**
 * Deletes finished tasks older than RETENTION_DAYS with what is theirs (API role, one instance
 * at a time): their output and outbox folders in the store (disk or bucket), their e-mail
 * delivery rows, and the uploads they named that no remaining task names. Deleting the rows
 * updates the per-status counts (triggers on the tasks table) and frees the project's storage
 * quota, which sums the remaining tasks' output_bytes and uploads. The rows go first, with a
 * TaskRemoval each in the same transaction; the files follow, and a sweep cut short between the
 * two is finished by the next one.
 */
@Injectable()
export class TaskRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TaskRetention.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly storage: ObjectStorage,
    private readonly lock: RetentionLock,
    @InjectRepository(Task) private readonly tasks: Repository<Task>,
    @InjectRepository(EmailDelivery) private readonly deliveries: Repository<EmailDelivery>,
    @InjectRepository(StoredFile) private readonly files: Repository<StoredFile>,
    @InjectRepository(TaskRemoval) private readonly removals: Repository<TaskRemoval>,
  ) {}

  onApplicationBootstrap(): void {
    const { maxAgeMs, sweepMs } = this.config.taskRetention;
    if (maxAgeMs === 0) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), sweepMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.sweeping;
  }

  private tick(): void {
    if (this.sweeping) return;
    this.sweeping = this.sweep()
      .then(() => undefined)
      .catch((error: unknown) => {
        this.logger.warn(`Task retention sweep failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  /** One sweep under the lock; answers what it removed (nothing when another instance holds it). */
  async sweep(): Promise<SweepTotals> {
    const totals: SweepTotals = { ...NOTHING_REMOVED };
    const add = (batch: SweepTotals) => {
      totals.tasks += batch.tasks;
      totals.files += batch.files;
      totals.bytes += batch.bytes;
      totals.uploads += batch.uploads;
    };
    const token = await this.lock.acquire(LOCK_TTL_MS);
    if (token === null) return totals;
    const started = Date.now();
    const timeLeft = () => !this.stopping && Date.now() - started <= LOCK_TTL_MS / 2;
    try {
      // What an earlier sweep deleted the rows of but did not get to finish.
      for (;;) {
        const unfinished = await this.removals.find({
          order: { deletedAt: 'ASC' },
          take: RETENTION_BATCH,
        });
        add(await this.removeFilesOf(unfinished));
        if (unfinished.length < RETENTION_BATCH || !timeLeft()) break;
      }
      const cutoff = new Date(Date.now() - this.config.taskRetention.maxAgeMs);
      while (timeLeft()) {
        const batch = await this.sweepBatch(cutoff);
        add(batch);
        if (batch.candidates < RETENTION_BATCH || batch.tasks === 0) break;
      }
    } finally {
      await this.lock.release(token).catch(() => undefined);
    }
    if (totals.tasks > 0) {
      this.logger.log(
        `Retention removed ${totals.tasks} finished task(s) older than ${this.config.taskRetention.maxAgeMs / 86_400_000} day(s): ${totals.files} file(s), ${totals.bytes} bytes, ${totals.uploads} upload(s) no remaining task used`,
      );
    }
    return totals;
  }

  /**
   * One batch. A task that another task was retried from is kept while that retry exists: an
   * e-mail retry reads its originals' deliveries so as never to mail a recipient twice. Chains
   * are thus removed newest first, one link per batch.
   */
  private async sweepBatch(cutoff: Date): Promise<SweepTotals & { candidates: number }> {
    const candidates = await this.tasks
      .createQueryBuilder('task')
      .select(['task.id', 'task.project', 'task.inputParams'])
      .where('task.status IN (:...finished)', { finished: FINISHED_STATUSES })
      .andWhere('task.completed_at < :cutoff', { cutoff })
      .andWhere(HAS_NO_RETRY('task'))
      .limit(RETENTION_BATCH)
      .getMany();
    if (candidates.length === 0) return { ...NOTHING_REMOVED, candidates: 0 };
    const ids = candidates.map((task) => task.id);
    const removals = await inTransaction(this.tasks.manager, async (manager) => {
      // Conditional again: a retry made since the select keeps its original.
      await manager
        .createQueryBuilder()
        .delete()
        .from(Task)
        .where('id IN (:...ids)', { ids })
        .andWhere('status IN (:...finished)', { finished: FINISHED_STATUSES })
        .andWhere(HAS_NO_RETRY('tasks'))
        .execute();
      const left = new Set(
        (await manager.find(Task, { select: { id: true }, where: { id: In(ids) } })).map(
          (task) => task.id,
        ),
      );
      const deletedAt = new Date();
      const deleted = candidates
        .filter((task) => !left.has(task.id))
        .map((task) =>
          manager.create(TaskRemoval, {
            taskId: task.id,
            project: task.project,
            uploadIds: uploadIdsOf(task.inputParams),
            deletedAt,
          }),
        );
      if (deleted.length > 0) await manager.insert(TaskRemoval, deleted);
      return deleted;
    });
    return { ...(await this.removeFilesOf(removals)), candidates: candidates.length };
  }

  /** Everything of deleted tasks but their rows, then their TaskRemovals; each step repeatable. */
  private async removeFilesOf(removals: TaskRemoval[]): Promise<SweepTotals> {
    if (removals.length === 0) return { ...NOTHING_REMOVED };
    const ids = removals.map((removal) => removal.taskId);
    await this.deliveries.delete({ taskId: In(ids) });
    const totals = { ...NOTHING_REMOVED, tasks: removals.length };
    for (const id of ids) {
      for (const folder of [taskFolder(id), outboxFolder(id)]) {
        const usage = await this.storage.removeFolder(folder);
        totals.files += usage.files;
        totals.bytes += usage.bytes;
      }
    }
    const uploads = await this.removeUnusedUploads(removals);
    totals.uploads = uploads.files;
    totals.files += uploads.files;
    totals.bytes += uploads.bytes;
    await this.removals.delete({ taskId: In(ids) });
    return totals;
  }

  /** The uploads the deleted tasks named that no task left in their project names. */
  private async removeUnusedUploads(
    removals: TaskRemoval[],
  ): Promise<{ files: number; bytes: number }> {
    const named = new Map<string, string>();
    for (const removal of removals) {
      for (const id of removal.uploadIds) named.set(id, removal.project);
    }
    const removed = { files: 0, bytes: 0 };
    const like = this.tasks.manager.connection.options.type === 'postgres' ? 'ILIKE' : 'LIKE';
    for (const [id, project] of named) {
      const file = await this.files.findOneBy({ id, project });
      if (!file) continue;
      // Ids are UUIDs (hex and dashes), so the pattern has no LIKE wildcards of its own.
      const stillNamed = await this.tasks
        .createQueryBuilder('task')
        .select('task.id')
        .where('task.project = :project', { project })
        .andWhere(`task.input_params ${like} :pattern`, { pattern: `%${id}%` })
        .limit(1)
        .getOne();
      if (stillNamed) continue;
      await this.files.delete({ id, project });
      await this.storage.remove(uploadKey(id));
      removed.files += 1;
      removed.bytes += file.size;
    }
    return removed;
  }
}
