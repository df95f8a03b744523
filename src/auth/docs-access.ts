import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpException } from '@nestjs/common';
import { isUnauthorized } from './auth.guard';
import { WWW_AUTHENTICATE } from './credentials';
import { RequestAuthenticator } from './request-authenticator.service';

/**
 * The OpenAPI pages are served by Swagger's own middleware, which Nest's guards do not see:
 * this puts the same authentication (any role) in front of them.
 */
export function docsAccess(authenticator: RequestAuthenticator): RequestHandler {
  return (request: Request, response: Response, next: NextFunction): void => {
    authenticator.authenticate(request).then(
      () => next(),
      (error: unknown) => {
        if (!(error instanceof HttpException)) return next(error);
        if (isUnauthorized(error)) response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
        response.status(error.getStatus()).json({ detail: error.message });
      },
    );
  };
}
