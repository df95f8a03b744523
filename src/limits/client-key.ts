import { AuthenticatedRequest } from '../auth/principal';

/**
 * Whom a limit counts against: the caller's stored key, else the admin key or session by name,
 * else (open mode, or a route that needs no key) the client's address.
 */
export function clientKey(request: AuthenticatedRequest): string {
  const principal = request.principal;
  if (principal?.keyId) return `key:${principal.keyId}`;
  if (principal && principal.via !== 'open') return `${principal.via}:${principal.name}`;
  return `address:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
}
