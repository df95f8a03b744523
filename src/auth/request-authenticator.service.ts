import { ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { HttpRequest } from '../http/http-request';
import { AppConfig } from '../config/app-config';
import { CSRF_HEADER, keyFromHeaders, sessionFromHeaders } from './credentials';
import { KeyAuthenticator } from './key-authenticator.service';
import { OPEN_PRINCIPAL, Principal } from './principal';
import { SessionStore } from './session-store.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What authenticating reads: the headers, and the method (a cookie's writes need more proof). */
type CredentialedRequest = Pick<HttpRequest, 'headers'> & { method?: string };

/**
 * Establishes who makes a request: nobody needs to in open mode; otherwise a key header, or
 * the dashboard's session cookie. Throws 401 when no valid credential is given, 403 when a
 * cookie-authenticated write does not prove it comes from this origin.
 */
@Injectable()
export class RequestAuthenticator {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: KeyAuthenticator,
    private readonly sessions: SessionStore,
  ) {}

  get open(): boolean {
    return this.config.auth.mode === 'open';
  }

  async authenticate(request: CredentialedRequest): Promise<Principal> {
    if (this.open) return OPEN_PRINCIPAL;
    const key = keyFromHeaders(request.headers);
    if (key !== undefined) {
      const principal = await this.keys.authenticate(key);
      if (!principal) throw new UnauthorizedException('The API key is unknown or revoked');
      return principal;
    }
    const token = sessionFromHeaders(request.headers);
    if (token !== undefined) {
      const keyHash = await this.sessions.keyHashOf(token);
      const principal = keyHash ? await this.keys.byHash(keyHash) : null;
      if (!principal) {
        throw new UnauthorizedException(
          'The session has ended or its key was revoked; sign in again with an API key',
        );
      }
      if (!SAFE_METHODS.has(request.method ?? '')) this.checkSameOrigin(request);
      return { ...principal, via: 'session' };
    }
    throw new UnauthorizedException(
      'An API key is required: send it as "Authorization: Bearer <key>" or "X-API-Key: <key>"',
    );
  }

  /** A write on the strength of a cookie must come from a page of this very origin. */
  private checkSameOrigin(request: CredentialedRequest): void {
    const origin = request.headers.origin;
    const sameOrigin =
      origin === undefined || safeHost(origin) === request.headers.host?.toLowerCase();
    if (!request.headers[CSRF_HEADER] || !sameOrigin) {
      throw new ForbiddenException(
        `A change made with the session cookie must come from the dashboard (header ${CSRF_HEADER}, same origin); other clients send their key in the Authorization header`,
      );
    }
  }
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
