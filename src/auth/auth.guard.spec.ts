import {
  Controller,
  ExecutionContext,
  ForbiddenException,
  Get,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Public, Roles } from './auth.decorators';
import { AuthGuard } from './auth.guard';
import { AuthenticatedRequest, Principal } from './principal';
import { RequestAuthenticator } from './request-authenticator.service';
import { Role } from './role';

@Controller()
@Roles('viewer')
class Decorated {
  @Get()
  read(): void {}

  @Roles('operator')
  write(): void {}

  @Public()
  health(): void {}
}

@Controller()
class Forgotten {
  @Get()
  anything(): void {}
}

function contextFor(
  controller: new () => object,
  handler: string,
  request: Partial<AuthenticatedRequest> = { ip: '127.0.0.1' },
): {
  context: ExecutionContext;
  request: Partial<AuthenticatedRequest>;
} {
  const context = {
    getHandler: () => (controller.prototype as Record<string, unknown>)[handler],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

const caller = (role: Role): Principal => ({
  keyId: 'k',
  name: `a ${role}`,
  role,
  project: 'p',
  via: 'key',
});

function guardFor(outcome: Principal | Error): { guard: AuthGuard; calls: () => number } {
  let calls = 0;
  const authenticator = {
    authenticate: async () => {
      calls++;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  } as unknown as RequestAuthenticator;
  return { guard: new AuthGuard(new Reflector(), authenticator), calls: () => calls };
}

describe('AuthGuard', () => {
  it('lets a public route through without asking who calls', async () => {
    const { guard, calls } = guardFor(new UnauthorizedException('no key'));
    await expect(guard.canActivate(contextFor(Decorated, 'health').context)).resolves.toBe(true);
    expect(calls()).toBe(0);
  });

  it('takes the method role over the class role, and names both roles in the 403', async () => {
    await expect(
      guardFor(caller('viewer')).guard.canActivate(contextFor(Decorated, 'read').context),
    ).resolves.toBe(true);
    await expect(
      guardFor(caller('viewer')).guard.canActivate(contextFor(Decorated, 'write').context),
    ).rejects.toThrow(
      new ForbiddenException(
        'This needs the operator role; the key "a viewer" has the viewer role',
      ),
    );
    await expect(
      guardFor(caller('admin')).guard.canActivate(contextFor(Decorated, 'write').context),
    ).resolves.toBe(true);
  });

  it('keeps a route that names no role for admins', async () => {
    await expect(
      guardFor(caller('operator')).guard.canActivate(contextFor(Forgotten, 'anything').context),
    ).rejects.toBeInstanceOf(ForbiddenException);
    await expect(
      guardFor(caller('admin')).guard.canActivate(contextFor(Forgotten, 'anything').context),
    ).resolves.toBe(true);
  });

  it('refuses with the 401 it was given, and leaves the caller on the request when it passes', async () => {
    const refused = contextFor(Decorated, 'read');
    await expect(
      guardFor(new UnauthorizedException('no key')).guard.canActivate(refused.context),
    ).rejects.toBeInstanceOf(UnauthorizedException);
    expect(refused.request.principal).toBeUndefined();
    const passed = contextFor(Decorated, 'read');
    await guardFor(caller('viewer')).guard.canActivate(passed.context);
    expect(passed.request.principal).toMatchObject({ role: 'viewer' });
  });
});
