import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Repository } from 'typeorm';
import { generateKey, hashKey } from '../auth/key-secret';
import { Principal } from '../auth/principal';
import { Role } from '../auth/role';
import { ALL_PROJECTS } from '../core/project';
import { ApiKey } from './api-key.entity';
import { allProjectsNeedsAdmin, KeyNotFoundError, OtherProjectError } from './key-errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewKey {
  name: string;
  role: Role;
  project: string;
}

/** Who manages keys: an admin of all projects manages all; an admin of one project, its own. */
export type KeyManager = Pick<Principal, 'project'>;
export const ANY_PROJECT_MANAGER: KeyManager = { project: ALL_PROJECTS };

/**
 * Creates, lists and revokes API keys. A key is generated here, handed back once, and only its
 * hash is stored. Used by the REST API and by the keys command line alike.
 */
@Injectable()
export class KeysService {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  async create(wanted: NewKey, manager: KeyManager): Promise<{ row: ApiKey; key: string }> {
    if (wanted.project === ALL_PROJECTS && wanted.role !== 'admin') throw allProjectsNeedsAdmin();
    if (manager.project !== ALL_PROJECTS && wanted.project !== manager.project) {
      throw new OtherProjectError(manager.project);
    }
    const key = generateKey();
    const row = this.keys.create({
      id: randomUUID(),
      name: wanted.name.trim(),
      role: wanted.role,
      project: wanted.project,
      keyHash: hashKey(key),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.keys.insert(row);
    return { row, key };
  }

  /** Newest first, revoked ones included (with revoked_at). */
  list(manager: KeyManager): Promise<ApiKey[]> {
    return this.keys.find({
      where: manager.project === ALL_PROJECTS ? {} : { project: manager.project },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  /** Revokes a key (again is fine); the caller's instance forgets it at once via `onRevoked`. */
  async revoke(id: string, manager: KeyManager): Promise<ApiKey> {
    const row = UUID.test(id) ? await this.keys.findOneBy({ id: id.toLowerCase() }) : null;
    if (!row || (manager.project !== ALL_PROJECTS && row.project !== manager.project)) {
      throw new KeyNotFoundError();
    }
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await this.keys.update({ id: row.id }, { revokedAt: row.revokedAt });
    }
    return row;
  }
}
