import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { is as isMediaType } from 'type-is';
import { UnsupportedMediaTypeError } from './domain-error';

/** As RFC 9112 frames a request body: a transfer coding, or a length (0 included). */
const hasBody = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined ||
  !Number.isNaN(Number.parseInt(headers['content-length'] ?? '', 10));

/** Task bodies are JSON; any other content type gets a 415 rather than an empty body. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
    // A request without a body (a bare POST /retry) needs no type.
    if (
      hasBody(headers) &&
      isMediaType(headers['content-type'] ?? '', ['application/json']) === false
    ) {
      throw new UnsupportedMediaTypeError(headers['content-type'] ?? 'none');
    }
    return true;
  }
}
