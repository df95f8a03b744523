import type { HttpRequest } from '../http/http-request';

/** The address a failed authentication counts against (TRUST_PROXY decides request.ip). */
export const clientAddress = (request: HttpRequest): string =>
  request.ip ?? request.socket.remoteAddress ?? 'unknown';

/**
 * Holds back a client address that keeps sending unknown keys (§8): without it, requests that
 * fail authentication never reach the per-key rate limit, so one address could make any number
 * of key look-ups. Provided by the limits module; absent where no HTTP is served.
 */
export abstract class FailedAuthLimiter {
  /** Throws a 429 when the address is held back; no round trip for an address that is not. */
  abstract assertAllowed(address: string): void;

  /** Counts one failed authentication of the address, across every API instance. */
  abstract recordFailure(address: string): Promise<void>;
}
