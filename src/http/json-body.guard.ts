import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { hasBody, is as isMediaType } from 'type-is';
import { UnsupportedMediaTypeError } from './domain-error';
import { nodeRequestOf, type PlatformRequest } from './node-request';

/** Task bodies are JSON; any other content type gets a 415 rather than an empty body. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = nodeRequestOf(context.switchToHttp().getRequest<PlatformRequest>());
    const contentType = request.headers['content-type'];
    // A request without a body (a bare POST /retry) needs no type; a framed empty body does.
    if (hasBody(request) && isMediaType(contentType ?? '', ['application/json']) === false) {
      throw new UnsupportedMediaTypeError(contentType ?? 'none');
    }
    return true;
  }
}
