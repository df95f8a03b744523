import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard';
import { KeyAuthenticator } from './key-authenticator.service';
import { RequestAuthenticator } from './request-authenticator.service';
import { SessionController } from './session.controller';
import { SessionStore } from './session-store.service';

/** Authentication for every HTTP route: the global guard, key look-ups, dashboard sessions. */
@Global()
@Module({
  controllers: [SessionController],
  providers: [
    KeyAuthenticator,
    SessionStore,
    RequestAuthenticator,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [KeyAuthenticator, RequestAuthenticator],
})
export class AuthModule {}
