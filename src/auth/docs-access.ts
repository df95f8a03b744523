import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException } from '@nestjs/common';
import { isUnauthorized } from './auth.guard';
import { WWW_AUTHENTICATE } from './credentials';
import { answerDetail } from '../http/detail-answer';
import { RequestAuthenticator } from './request-authenticator.service';

/**
 * The OpenAPI pages are served by Swagger's own middleware, which Nest's guards do not see:
 * this puts the same authentication (any role) in front of them.
 */
export function docsAccess(authenticator: RequestAuthenticator) {
  return (
    request: IncomingMessage,
    response: ServerResponse,
    next: (error?: unknown) => void,
  ): void => {
    authenticator.authenticate(request).then(
      () => next(),
      (error: unknown) => {
        if (!(error instanceof HttpException)) return next(error);
        if (isUnauthorized(error)) response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
        answerDetail(response, error.getStatus(), error.message);
      },
    );
  };
}
