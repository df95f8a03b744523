import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, of, switchMap } from 'rxjs';
import { AuthenticatedRequest } from '../auth/principal';
import { writeProject } from '../auth/project-scope';
import { RequestValidationError } from '../http/domain-error';
import { pathOf } from '../http/http-request';
import { IdempotencyService } from './idempotency.service';
import { idempotencyKeyOf, REPLAYED_HEADER, requestHash } from './idempotency-request';

/**
 * `Idempotency-Key` on a route (§10): the first request with a key runs and its answer is
 * stored; the same key with the same request answers that answer again with
 * `Idempotent-Replayed: true`; with another request, 409. Keys are per project (the project the
 * caller's tasks go to). A failed request releases its key: it created nothing.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyService,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response: unknown = context.switchToHttp().getResponse();
    const { key, problem } = idempotencyKeyOf(request.headers['idempotency-key']);
    if (problem) throw new RequestValidationError([problem]);
    if (key === undefined) return next.handle();
    if (!request.principal) throw new Error('IdempotencyInterceptor on an unauthenticated route');
    const project = writeProject(request.principal);
    // The body as parsed, before validation fills in defaults: what the client sent.
    const hash = requestHash(request.method, pathOf(request), request.body);
    return from(this.keys.claim(project, key, hash)).pipe(
      switchMap((claim) => {
        if (claim.kind === 'replay') {
          const { httpAdapter } = this.adapterHost;
          httpAdapter.setHeader(response, REPLAYED_HEADER, 'true');
          httpAdapter.status(response, claim.status);
          return of(claim.body);
        }
        return next.handle().pipe(
          mergeMap(async (body: unknown) => {
            // The status Nest will send: the route's @HttpCode, else its default for the method.
            const status =
              this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
              (request.method === 'POST' ? 201 : 200);
            await this.keys.complete(claim.id, status, body);
            return body;
          }),
          catchError(async (error: unknown) => {
            await this.keys.release(claim.id).catch(() => undefined);
            throw error;
          }),
        );
      }),
    );
  }
}
