import { randomBytes } from 'node:crypto';
import { ApiClient } from './api-client';

export type Role = 'viewer' | 'operator' | 'admin';

export interface CreatedKey {
  id: string;
  key: string;
  name: string;
  role: Role;
  project: string;
  /** A client that sends this key with every request. */
  api: ApiClient;
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Creates a key through POST /api/keys with an admin key. */
export async function createKey(
  baseUrl: string,
  adminKey: string,
  wanted: { name: string; role: Role; project: string },
): Promise<CreatedKey> {
  const admin = new ApiClient(baseUrl, bearer(adminKey));
  const answer = await admin.request<{ id: string; key: string }>('POST', '/api/keys', wanted);
  if (answer.status !== 201)
    throw new Error(`POST /api/keys answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return {
    ...wanted,
    id: answer.body.id,
    key: answer.body.key,
    api: new ApiClient(baseUrl, bearer(answer.body.key)),
  };
}

/** A fresh ADMIN_API_KEY: 32 random bytes, 43 characters. */
export const adminApiKey = (): string => randomBytes(32).toString('base64url');
