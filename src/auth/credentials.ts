import type { IncomingHttpHeaders } from 'node:http';

/** The dashboard's session cookie: HttpOnly, SameSite=Strict, path /api. */
export const SESSION_COOKIE = 'conveyor_session';

/** RFC 6750: what every 401 names as the scheme to use. */
export const WWW_AUTHENTICATE = 'Bearer realm="conveyor"';

/**
 * The header a cookie-authenticated write must carry. A page of another site cannot send a
 * custom header without a CORS preflight, which this API never grants with credentials, so
 * its presence proves the request comes from a page of this origin (with SameSite=Strict and
 * the Origin check, three locks on the one door).
 */
export const CSRF_HEADER = 'x-conveyor-client';

/** The key a request carries in `Authorization: Bearer <key>` or `X-API-Key: <key>`, if any. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    // A malformed Authorization header counts as a wrong key, not as no key.
    return match ? match[1] : authorization;
  }
  const apiKey = headers['x-api-key'];
  const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return value?.trim() || undefined;
}

/** The session token from the Cookie header, if any. */
export function sessionFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}
