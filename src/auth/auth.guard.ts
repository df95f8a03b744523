import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  Optional,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_KEY, ROLE_KEY } from './auth.decorators';
import { keyFromHeaders } from './credentials';
import { clientAddress, FailedAuthLimiter } from './failed-auth-limiter';
import { AuthenticatedRequest } from './principal';
import { RequestAuthenticator } from './request-authenticator.service';
import { Role, roleAllows } from './role';

/** A route that does not say which role it needs is for admins: forgetting never opens it. */
const DEFAULT_ROLE: Role = 'admin';

/**
 * The one guard in front of every route (REST, SSE, uploads, downloads): authenticates the
 * caller, then compares its role with the route's `@Roles()`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: RequestAuthenticator,
    @Optional() private readonly failures?: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const address = clientAddress(request);
    this.failures?.assertAllowed(address);
    try {
      request.principal = await this.authenticator.authenticate(request);
    } catch (error) {
      // Only a key that was sent and refused counts: a client without one is not guessing.
      if (isUnauthorized(error) && this.failures) {
        if (keyFromHeaders(request.headers) !== undefined)
          await this.failures.recordFailure(address);
      }
      throw error;
    }
    const needed = this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? DEFAULT_ROLE;
    const { role, name } = request.principal;
    if (!roleAllows(role, needed)) {
      throw new ForbiddenException(
        `This needs the ${needed} role; the key "${name}" has the ${role} role`,
      );
    }
    return true;
  }
}

/** A refused credential, as against a missing role or a server error. */
export const isUnauthorized = (error: unknown): boolean =>
  error instanceof HttpException && error.getStatus() === Number(HttpStatus.UNAUTHORIZED);
