import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { In, IsNull, LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { withSqlRetry } from '../database/sql-retry';
import { isUniqueViolation } from '../database/unique-violation';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from './idempotency-errors';
import { IdempotencyKey } from './idempotency-key.entity';

/** How long a key and its answer are kept (§10). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60_000;
/**
 * How long a duplicate waits for the first request's answer before it is told 409 "in
 * progress": longer than a bulk of 1,000 takes, short enough to hold no connection for long.
 */
export const IDEMPOTENCY_WAIT_MS = 10_000;
/**
 * A key reserved this long ago without an answer belongs to a request whose process died
 * (errors release the key at once): the next request with it takes it over.
 */
export const IDEMPOTENCY_ABANDONED_MS = 120_000;
/** Rows one DELETE of the sweep removes at most, so that no sweep holds a long lock. */
export const IDEMPOTENCY_SWEEP_BATCH = 1000;
const MAX_SWEEP_BATCHES = 100;

export type IdempotencyClaim =
  { kind: 'first'; id: string } | { kind: 'replay'; status: number; body: unknown };

/**
 * Idempotency keys in SQL, so that they hold across API instances. The first request with a
 * key reserves it with an INSERT that the unique (project, key) index lets only one request
 * win; the others read the row: another request hash answers 409, a stored answer is replayed,
 * and a reservation without an answer yet is waited for, up to IDEMPOTENCY_WAIT_MS, then 409.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    @InjectRepository(IdempotencyKey) private readonly keys: Repository<IdempotencyKey>,
    private readonly config: AppConfig,
  ) {}

  /** Reserves `key` for this request, or answers what the request that holds it answered. */
  async claim(
    project: string,
    key: string,
    requestHash: string,
    waitMs = IDEMPOTENCY_WAIT_MS,
  ): Promise<IdempotencyClaim> {
    const deadline = Date.now() + waitMs;
    let pause = 10;
    for (;;) {
      const id = randomUUID();
      if (await this.reserve(id, project, key, requestHash)) return { kind: 'first', id };
      const row = await this.keys.findOneBy({ project, key });
      const now = Date.now();
      if (row === null) continue; // released or purged since: try to reserve it again
      const answered = row.responseStatus !== null && row.responseBody !== null;
      if (
        row.expiresAt.getTime() <= now ||
        (!answered && row.createdAt.getTime() <= now - IDEMPOTENCY_ABANDONED_MS)
      ) {
        // Conditional on what was read, so that two takers remove it once and one wins the insert.
        await this.keys.delete(
          answered ? { id: row.id } : { id: row.id, responseStatus: IsNull() },
        );
        continue;
      }
      if (row.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
      if (answered) {
        return { kind: 'replay', status: row.responseStatus!, body: JSON.parse(row.responseBody!) };
      }
      if (now + pause > deadline) throw new IdempotencyKeyInProgressError();
      await sleep(pause);
      pause = Math.min(pause * 2, 200);
    }
  }

  /** Stores the answer of the request that reserved the key, for every later one to replay. */
  async complete(id: string, status: number, body: unknown): Promise<void> {
    await withSqlRetry(
      () =>
        this.keys.update(
          { id },
          { responseStatus: status, responseBody: JSON.stringify(body ?? null) },
        ),
      {
        what: 'store idempotent answer',
        policy: this.config.sqlRetry,
        logger: this.logger,
        context: { idempotency_id: id },
      },
    );
  }

  /**
   * Frees the key of a request that failed: it created nothing (a submit is all or nothing),
   * so the same key may be sent again once the problem is fixed.
   */
  async release(id: string): Promise<void> {
    await withSqlRetry(() => this.keys.delete({ id, responseStatus: IsNull() }), {
      what: 'release idempotency key',
      policy: this.config.sqlRetry,
      logger: this.logger,
      context: { idempotency_id: id },
    });
  }

  /** Deletes keys past their 24 hours, in batches of IDEMPOTENCY_SWEEP_BATCH; answers how many. */
  async removeExpired(now = new Date()): Promise<number> {
    let removed = 0;
    for (let batch = 0; batch < MAX_SWEEP_BATCHES; batch++) {
      const expired = await this.keys.find({
        select: { id: true },
        where: { expiresAt: LessThan(now) },
        take: IDEMPOTENCY_SWEEP_BATCH,
      });
      if (expired.length === 0) break;
      const result = await this.keys.delete({ id: In(expired.map((row) => row.id)) });
      removed += result.affected ?? expired.length;
      if (expired.length < IDEMPOTENCY_SWEEP_BATCH) break;
    }
    return removed;
  }

  /** True when this request's row went in; false when the key is held by another. */
  private async reserve(
    id: string,
    project: string,
    key: string,
    requestHash: string,
  ): Promise<boolean> {
    const createdAt = new Date();
    try {
      await withSqlRetry(
        async (attempt) => {
          // A try whose answer was lost with its connection may have committed.
          if (attempt > 1 && (await this.keys.existsBy({ id }))) return;
          await this.keys.insert({
            id,
            project,
            key,
            requestHash,
            responseStatus: null,
            responseBody: null,
            createdAt,
            expiresAt: new Date(createdAt.getTime() + IDEMPOTENCY_TTL_MS),
          });
        },
        {
          what: 'reserve idempotency key',
          policy: this.config.sqlRetry,
          logger: this.logger,
          context: { project },
        },
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }
}
