import {
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Optional,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HttpAdapterHost } from '@nestjs/core';
import { serialize as serializeCookie, SerializeOptions } from 'cookie';
import type { HttpRequest } from '../http/http-request';
import { Audit } from '../audit/audit.decorator';
import { AppConfig } from '../config/app-config';
import { Caller, Public, Roles } from './auth.decorators';
import { CSRF_HEADER, keyFromHeaders, SESSION_COOKIE, sessionFromHeaders } from './credentials';
import { clientAddress, FailedAuthLimiter } from './failed-auth-limiter';
import { KeyAuthenticator } from './key-authenticator.service';
import { hashKey } from './key-secret';
import { AuthenticatedRequest, OPEN_PRINCIPAL, Principal } from './principal';
import { SessionStore } from './session-store.service';

export interface SessionResponse {
  auth_mode: 'open' | 'keys';
  key_id: string | null;
  name: string;
  role: string;
  project: string;
}

const toSessionResponse = (mode: 'open' | 'keys', principal: Principal): SessionResponse => ({
  auth_mode: mode,
  key_id: principal.keyId,
  name: principal.name,
  role: principal.role,
  project: principal.project,
});

/**
 * The dashboard's sign-in. EventSource cannot send an Authorization header, so the page trades
 * the key once for an HttpOnly, SameSite=Strict cookie that the browser then sends by itself,
 * to every /api route, the event stream included. The page never keeps the key.
 */
@ApiTags('session')
@Controller('api/session')
export class SessionController {
  constructor(
    private readonly config: AppConfig,
    private readonly keys: KeyAuthenticator,
    private readonly sessions: SessionStore,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly failures?: FailedAuthLimiter,
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  @Audit('session.open')
  @ApiOperation({ summary: 'Exchange an API key (Authorization header) for a session cookie' })
  async open(
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<SessionResponse> {
    if (this.config.auth.mode === 'open') {
      request.principal = OPEN_PRINCIPAL;
      return toSessionResponse('open', OPEN_PRINCIPAL);
    }
    if (!request.headers[CSRF_HEADER]) {
      throw new ForbiddenException(
        `Signing in needs the header ${CSRF_HEADER}, as the dashboard sends it`,
      );
    }
    // Public, so the guard does not hold back an address that keeps guessing: done here.
    const address = clientAddress(request);
    this.failures?.assertAllowed(address);
    const key = keyFromHeaders(request.headers);
    const keyHash = key === undefined ? undefined : hashKey(key);
    const principal = keyHash ? await this.keys.byHash(keyHash) : null;
    if (!keyHash || !principal) {
      const error = new UnauthorizedException(
        key === undefined
          ? 'Send the API key as "Authorization: Bearer <key>" to sign in'
          : 'The API key is unknown or revoked',
      );
      if (key !== undefined) await this.failures?.recordFailure(address);
      throw error;
    }
    const token = await this.sessions.open(keyHash);
    this.setCookie(response, token, {
      secure: isHttps(request),
      maxAge: Math.floor(this.sessions.maxAgeMs / 1000),
      expires: new Date(Date.now() + this.sessions.maxAgeMs),
    });
    request.principal = { ...principal, via: 'session' };
    return toSessionResponse('keys', principal);
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Who the caller is: key name, role and project' })
  whoAmI(@Caller() caller: Principal): SessionResponse {
    return toSessionResponse(this.config.auth.mode, caller);
  }

  @Delete()
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: end the session and clear its cookie' })
  async close(
    @Req() request: HttpRequest,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<void> {
    const token = sessionFromHeaders(request.headers);
    if (token !== undefined) await this.sessions.close(token);
    this.setCookie(response, '', { secure: isHttps(request), expires: new Date(1) });
  }

  private setCookie(response: unknown, value: string, options: SerializeOptions): void {
    const cookie = serializeCookie(SESSION_COOKIE, value, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/api',
      ...options,
    });
    this.adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', cookie);
  }
}

/** The Secure flag only narrows where the cookie goes, so a proxy's word is enough for it. */
const isHttps = (request: HttpRequest): boolean =>
  request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
