import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { AuthenticatedRequest, Principal } from './principal';
import { Role } from './role';

export const ROLE_KEY = 'conveyor:role';
export const PUBLIC_KEY = 'conveyor:public';

/** The least role a route (or every route of a controller) needs; AuthGuard enforces it. */
export const Roles = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ROLE_KEY, role);

/** A route anyone may call, without a key (health checks, signing in and out). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_KEY, true);

/** The caller the guard authenticated. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('@Caller() used on a route the AuthGuard did not authenticate');
  return principal satisfies Principal;
});
