import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ApiKey } from '../keys/api-key.entity';
import { hashKey } from './key-secret';
import { Principal } from './principal';
import { ALL_PROJECTS } from '../core/project';

/**
 * How long this process trusts what it read about a key. A revoked key stops working on every
 * instance within 5 s (§7): the read itself may take a moment, so the cache keeps 4.
 */
export const KEY_CACHE_MS = 4000;
/** last_used_at is a hint for operators, written at most this often per key and process. */
const LAST_USED_WRITE_MS = 60_000;
/** Bounds the memory that many unknown keys could take; past it the cache starts again. */
const MAX_CACHED = 10_000;

interface CacheEntry {
  principal: Principal | null;
  until: number;
}

/**
 * Turns a key into its principal with at most one SQL read per key every KEY_CACHE_MS, so that
 * the submit path does not pay a database read per request. Unknown keys are cached too (as
 * null), so a client retrying with a wrong key does not reach the database each time.
 */
@Injectable()
export class KeyAuthenticator {
  private readonly logger = new Logger(KeyAuthenticator.name);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly adminKeyHash?: Buffer;

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    config: AppConfig,
  ) {
    const admin = config.auth.adminApiKey;
    if (admin) this.adminKeyHash = Buffer.from(hashKey(admin), 'hex');
  }

  /** The principal of a key as sent by a client, or null when it is unknown or revoked. */
  authenticate(key: string): Promise<Principal | null> {
    return this.byHash(hashKey(key));
  }

  /** The same, from the key's hash (the dashboard's session holds the hash, not the key). */
  async byHash(hash: string): Promise<Principal | null> {
    if (this.isAdminKey(hash)) return ADMIN_ENV_PRINCIPAL;
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = await this.keys.findOneBy({ keyHash: hash });
    const principal: Principal | null =
      row && !row.revokedAt
        ? { keyId: row.id, name: row.name, role: row.role, project: row.project, via: 'key' }
        : null;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(hash, { principal, until: Date.now() + KEY_CACHE_MS });
    if (row && principal) this.noteUse(row);
    return principal;
  }

  /** Drops what this process knows of a key at once (it revoked it); others wait out the cache. */
  forget(hash: string): void {
    this.cache.delete(hash);
  }

  private isAdminKey(hash: string): boolean {
    if (!this.adminKeyHash) return false;
    const given = Buffer.from(hash, 'hex');
    return given.length === this.adminKeyHash.length && timingSafeEqual(given, this.adminKeyHash);
  }

  private noteUse(row: ApiKey): void {
    const now = Date.now();
    const lastWrite = Math.max(
      this.lastUsedWrites.get(row.id) ?? 0,
      row.lastUsedAt?.getTime() ?? 0,
    );
    if (now - lastWrite < LAST_USED_WRITE_MS) return;
    if (this.lastUsedWrites.size >= MAX_CACHED) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(row.id, now);
    this.keys.update({ id: row.id }, { lastUsedAt: new Date(now) }).catch((error: Error) => {
      this.logger.debug(`Could not note the use of key ${row.id}: ${error.message}`);
    });
  }
}

/** ADMIN_API_KEY: admin of every project, no stored row. */
export const ADMIN_ENV_PRINCIPAL: Principal = {
  keyId: null,
  name: 'ADMIN_API_KEY',
  role: 'admin',
  project: ALL_PROJECTS,
  via: 'key',
};
