import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { UnsupportedMediaTypeError } from './domain-error';

/** Task bodies are JSON; any other content type gets a 415 rather than an empty body. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (request.is('application/json') === false) {
      throw new UnsupportedMediaTypeError(request.headers['content-type'] ?? 'none');
    }
    return true;
  }
}
