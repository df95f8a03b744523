// The protocol of the submit-path rows (issue 17): the README's default settings (info logs),
// AUTH_MODE=keys with an operator key on every request, and the rate limit and quotas checked
// on every request, with limits high enough that a benchmark's volume never reaches them.
import { randomBytes } from 'node:crypto';
import { startService } from './service.mjs';

/** Limits that are counted on every request but that a benchmark never reaches. */
export const KEYED_ENV = {
  AUTH_MODE: 'keys',
  RATE_LIMIT_PER_MINUTE: '1000000',
  QUOTA_ACTIVE_TASKS: '100000000',
  // The service's own default log level (info), not the quieter one startService sets.
  LOG_LEVEL: undefined,
};

async function operatorKey(url, adminKey) {
  const response = await fetch(`${url}/api/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', role: 'operator', project: 'bench' }),
  });
  if (response.status !== 201) throw new Error(`POST /api/keys answered ${response.status}`);
  return (await response.json()).key;
}

/**
 * Starts a process with HTTP in keys mode and makes an operator key: `headers` carries it, as
 * every request of the benchmark must.
 */
export async function startKeyedService(store, role, extraEnv, cleanup) {
  const adminKey = randomBytes(32).toString('base64url');
  const api = await startService(
    store,
    role,
    { ...KEYED_ENV, ADMIN_API_KEY: adminKey, ...extraEnv },
    cleanup,
  );
  const headers = { authorization: `Bearer ${await operatorKey(api.url, adminKey)}` };
  return { ...api, headers };
}
