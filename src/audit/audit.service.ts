import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { Principal } from '../auth/principal';
import { ALL_PROJECTS } from '../core/project';
import { AppConfig } from '../config/app-config';
import { RowInsert } from '../database/row-insert';
import { withSqlRetry } from '../database/sql-retry';
import { AuditEntry } from './audit-entry.entity';
import { ListAuditQuery } from './list-audit.query';

export interface AuditRecord {
  actor: Pick<Principal, 'keyId' | 'name'>;
  action: string;
  resource?: string | null;
  project: string;
  clientAddress?: string | null;
}

interface Waiting {
  row: AuditEntry;
  done: (error?: unknown) => void;
}

const toError = (error: unknown): Error =>
  error instanceof Error ? error : new Error(String(error));

/** Rows per INSERT at most; more wait for the next statement. */
const MAX_BATCH = 500;

/**
 * The audit log in SQL. `record` resolves once the row is committed; the entries that arrive
 * in one turn of the event loop share one INSERT, so a burst of submits costs a few writes,
 * not one each.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  private waiting: Waiting[] = [];
  private scheduled = false;
  private readonly rowInsert: RowInsert<AuditEntry>;

  constructor(
    @InjectRepository(AuditEntry) private readonly entries: Repository<AuditEntry>,
    private readonly config: AppConfig,
  ) {
    this.rowInsert = new RowInsert(entries);
  }

  record(record: AuditRecord): Promise<void> {
    const row = this.entries.create({
      // Time-ordered and increasing within a process, so entries of one millisecond still
      // list in the order they happened (the list sorts by at, then id).
      id: timeOrderedUuid(),
      at: new Date(),
      actorKeyId: record.actor.keyId,
      actorName: record.actor.name.slice(0, 100),
      action: record.action,
      resource: record.resource?.slice(0, 100) ?? null,
      project: record.project,
      clientAddress: record.clientAddress?.slice(0, 64) ?? null,
    });
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, done: (error) => (error ? reject(toError(error)) : resolve()) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Newest first, within the caller's project unless it has all of them. */
  async list(
    query: ListAuditQuery,
    caller: Principal,
  ): Promise<{ entries: AuditEntry[]; total: number }> {
    const builder = this.entries.createQueryBuilder('entry');
    const project = caller.project === ALL_PROJECTS ? query.project : caller.project;
    if (project) builder.andWhere('entry.project = :project', { project });
    if (query.action) builder.andWhere('entry.action = :action', { action: query.action });
    if (query.actor) {
      builder.andWhere('(entry.actor_key_id = :actor OR entry.actor_name = :actor)', {
        actor: query.actor,
      });
    }
    if (query.since) builder.andWhere('entry.at >= :since', { since: new Date(query.since) });
    const [entries, total] = await builder
      .orderBy('entry.at', 'DESC')
      .addOrderBy('entry.id', 'DESC')
      .take(query.limit)
      .skip(query.offset)
      .getManyAndCount();
    return { entries, total };
  }

  /** Deletes entries older than AUDIT_RETENTION_DAYS; answers how many went. */
  async removeExpired(): Promise<number> {
    const result = await this.entries.delete({
      at: LessThan(new Date(Date.now() - this.config.auditRetentionMs)),
    });
    return result.affected ?? 0;
  }

  private async flush(): Promise<void> {
    const batch = this.waiting.splice(0, MAX_BATCH);
    if (this.waiting.length > 0) setImmediate(() => void this.flush());
    else this.scheduled = false;
    try {
      await withSqlRetry(() => this.rowInsert.run(batch.map((waiting) => waiting.row)), {
        what: 'write audit entries',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { entries: batch.length },
      });
      for (const waiting of batch) waiting.done();
    } catch (error) {
      for (const waiting of batch) waiting.done(error);
    }
  }
}
