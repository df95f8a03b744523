import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { openTestDatabase, TestDatabase, TestDatabaseKind } from '../testing/test-databases';
import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError } from './idempotency-errors';
import { IdempotencyKey } from './idempotency-key.entity';
import {
  IDEMPOTENCY_ABANDONED_MS,
  IDEMPOTENCY_SWEEP_BATCH,
  IDEMPOTENCY_TTL_MS,
  IdempotencyClaim,
  IdempotencyService,
} from './idempotency.service';

const idOf = (claim: IdempotencyClaim): string => {
  if (claim.kind !== 'first') throw new Error(`expected the first claim, got ${claim.kind}`);
  return claim.id;
};

/** On the real schema of each database: the unique index is what the race relies on. */
describe.each<TestDatabaseKind>(['sqlite', 'postgres'])('IdempotencyService (%s)', (kind) => {
  let database: TestDatabase;
  let keys: Repository<IdempotencyKey>;
  let service: IdempotencyService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await openTestDatabase(kind);
    keys = database.dataSource.getRepository(IdempotencyKey);
    service = new IdempotencyService(keys, database.config);
  });

  afterAll(async () => {
    await database?.drop();
    Logger.overrideLogger(['log', 'error', 'warn']);
  });

  const row = (fields: Partial<IdempotencyKey>): IdempotencyKey =>
    keys.create({
      id: randomUUID(),
      project: 'p',
      key: randomUUID(),
      requestHash: 'h',
      responseStatus: null,
      responseBody: null,
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + IDEMPOTENCY_TTL_MS),
      ...fields,
    });

  it('lets one of two concurrent requests run; the other waits for its answer and replays it', async () => {
    const claims = [service.claim('p', 'race', 'h'), service.claim('p', 'race', 'h')];
    // The loser cannot resolve before an answer is stored, so the first to resolve is the winner.
    const winner = await Promise.race(claims);
    await service.complete(idOf(winner), 200, { id: 'task-1' });
    const both = await Promise.all(claims);
    expect(both.map((claim) => claim.kind).sort()).toEqual(['first', 'replay']);
    expect(both.find((claim) => claim.kind === 'replay')).toEqual({
      kind: 'replay',
      status: 200,
      body: { id: 'task-1' },
    });
    expect(await keys.countBy({ project: 'p', key: 'race' })).toBe(1);
  });

  it('answers 409 for the same key with another request, answered or not', async () => {
    const first = await service.claim('p', 'other-body', 'h1');
    await expect(service.claim('p', 'other-body', 'h2')).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
    await service.complete(idOf(first), 200, {});
    await expect(service.claim('p', 'other-body', 'h2')).rejects.toBeInstanceOf(
      IdempotencyKeyReusedError,
    );
  });

  it('answers 409 "in progress" when the first request has no answer within the wait', async () => {
    await service.claim('p', 'slow', 'h');
    await expect(service.claim('p', 'slow', 'h', 50)).rejects.toBeInstanceOf(
      IdempotencyKeyInProgressError,
    );
  });

  it('frees the key of a request that failed, for the same request to run again', async () => {
    const failed = await service.claim('p', 'failed', 'h');
    await service.release(idOf(failed));
    expect((await service.claim('p', 'failed', 'h')).kind).toBe('first');
  });

  it('keeps keys per project', async () => {
    await service.complete(idOf(await service.claim('a', 'shared', 'h1')), 200, { id: 1 });
    expect((await service.claim('b', 'shared', 'h2')).kind).toBe('first');
  });

  it('takes over a key past its 24 hours, or reserved long ago by a process that died', async () => {
    const expired = row({
      key: 'expired',
      requestHash: 'old',
      responseStatus: 200,
      responseBody: '{}',
      createdAt: new Date(Date.now() - IDEMPOTENCY_TTL_MS - 1000),
      expiresAt: new Date(Date.now() - 1000),
    });
    const abandoned = row({
      key: 'abandoned',
      createdAt: new Date(Date.now() - IDEMPOTENCY_ABANDONED_MS - 1000),
    });
    await keys.insert([expired, abandoned]);
    expect((await service.claim('p', 'expired', 'new')).kind).toBe('first');
    expect((await service.claim('p', 'abandoned', 'h')).kind).toBe('first');
    expect(await keys.existsBy({ id: expired.id })).toBe(false);
    expect(await keys.existsBy({ id: abandoned.id })).toBe(false);
  });

  it('purges expired keys in bounded batches and keeps the live ones', async () => {
    await keys.clear();
    const past = new Date(Date.now() - 1000);
    const expired = Array.from({ length: IDEMPOTENCY_SWEEP_BATCH + 5 }, () =>
      row({ expiresAt: past }),
    );
    for (let start = 0; start < expired.length; start += 100) {
      await keys.insert(expired.slice(start, start + 100));
    }
    const live = row({});
    await keys.insert(live);
    const deletes = jest.spyOn(keys, 'delete');
    expect(await service.removeExpired()).toBe(IDEMPOTENCY_SWEEP_BATCH + 5);
    expect(deletes).toHaveBeenCalledTimes(2);
    expect(await keys.find({ select: { id: true } })).toEqual([{ id: live.id }]);
    deletes.mockRestore();
  });
});
