import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isTransientSqlError } from '../database/sql-retry';
import { WWW_AUTHENTICATE } from '../auth/credentials';
import { DomainError, RequestValidationError } from './domain-error';
import { nodeRequestOf } from './node-request';

/**
 * The one place errors become HTTP answers: always a {detail}, never a stack trace. Written
 * through Nest's HTTP adapter, so it answers the same on any platform.
 */
@Catch()
export class DetailExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(DetailExceptionFilter.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const sent = Boolean(httpAdapter.isHeadersSent(response));
    // The request was cut off after its answer (a slow client's 408): the error is that, no bug.
    if (sent && nodeRequestOf(host.switchToHttp().getRequest()).destroyed) return;
    const { status, detail } = this.describe(exception);
    if (sent) return;
    if (status === Number(HttpStatus.SERVICE_UNAVAILABLE)) {
      httpAdapter.setHeader(response, 'Retry-After', '1');
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      httpAdapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    }
    // RFC 6750: a 401 names the scheme the client should use.
    if (status === Number(HttpStatus.UNAUTHORIZED)) {
      httpAdapter.setHeader(response, 'WWW-Authenticate', WWW_AUTHENTICATE);
    }
    // A route that declared another type for its answer (the metrics' text) errs in JSON.
    httpAdapter.setHeader(response, 'Content-Type', 'application/json; charset=utf-8');
    httpAdapter.reply(response, { detail }, status);
  }

  private describe(exception: unknown): { status: number; detail: unknown } {
    if (exception instanceof RequestValidationError) {
      return { status: exception.status, detail: exception.problems };
    }
    if (exception instanceof DomainError) {
      return { status: exception.status, detail: exception.message };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'object' && body !== null && 'message' in body
          ? body.message
          : exception.message;
      return { status: exception.getStatus(), detail: message };
    }
    if (isTransientSqlError(exception)) {
      // Still busy or unreachable after the write's own retries: the service's trouble, not the
      // request's, and temporary, so the client is told to try again rather than given a 500.
      this.logger.warn(`SQL unavailable: ${(exception as Error).message}`);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        detail: 'The database is busy or unreachable; try again shortly',
      };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'Internal server error' };
  }
}
