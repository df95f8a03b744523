import { ApiKey } from './api-key.entity';

export interface KeyResponse {
  id: string;
  name: string;
  role: string;
  project: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export const toKeyResponse = (row: ApiKey): KeyResponse => ({
  id: row.id,
  name: row.name,
  role: row.role,
  project: row.project,
  created_at: row.createdAt.toISOString(),
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
  revoked_at: row.revokedAt?.toISOString() ?? null,
});
