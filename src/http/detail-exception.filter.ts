import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { isTransientSqlError } from '../database/sql-retry';
import { bodyParserDetail, isBodyParserError } from './body-parser-errors';
import { DomainError, RequestValidationError } from './domain-error';

/** The one place errors become HTTP answers: always a {detail}, never a stack trace. */
@Catch()
export class DetailExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(DetailExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    // The request was cut off after its answer (a slow client's 408): the error is that, no bug.
    if (response.headersSent && host.switchToHttp().getRequest<Request>().destroyed) return;
    const { status, detail } = this.describe(exception);
    if (response.headersSent) return;
    if (status === Number(HttpStatus.SERVICE_UNAVAILABLE)) response.setHeader('Retry-After', '1');
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(status).json({ detail });
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
    if (isBodyParserError(exception)) {
      return bodyParserDetail(exception);
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
