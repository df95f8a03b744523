import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isTransientSqlError } from '../database/sql-retry';
import { DomainError, RequestValidationError } from './task-errors';

/** Errors raised by Express's body parser carry a status and a type, but are not HttpExceptions. */
interface BodyParserError {
  status: number;
  type: string;
  message: string;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  error instanceof Error &&
  typeof (error as Partial<BodyParserError>).status === 'number' &&
  typeof (error as Partial<BodyParserError>).type === 'string';

function bodyParserDetail(error: BodyParserError): { status: number; detail: unknown } {
  switch (error.type) {
    case 'entity.parse.failed':
      return {
        status: HttpStatus.UNPROCESSABLE_ENTITY,
        detail: [
          {
            loc: ['body'],
            msg: `The request body is not valid JSON (${error.message}); send a JSON object`,
            type: 'json_invalid',
          },
        ],
      };
    case 'entity.too.large':
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        detail:
          'The request body is larger than the 1 MiB limit; upload large data through POST /api/files',
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return {
        status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        detail: `${error.message}; send UTF-8 JSON`,
      };
    default:
      return { status: error.status < 500 ? error.status : 400, detail: error.message };
  }
}

const bodyParserLogger = new Logger('BodyParser');

/**
 * Express error middleware for the body parser, which fails before any Nest handler runs;
 * registered right after it so that its errors get the same {detail} answers. The request log
 * runs later and never sees these requests, so each is logged here, as a warning.
 */
export function bodyParserErrorHandler(
  error: unknown,
  request: Request,
  response: Response,
  next: NextFunction,
): void {
  if (!isBodyParserError(error)) return next(error);
  const { status, detail } = bodyParserDetail(error);
  bodyParserLogger.warn(
    `${request.method} ${request.originalUrl} refused with ${status}: ${error.message}`,
  );
  response.status(status).json({ detail });
}

/** The one place errors become HTTP answers: always a {detail}, never a stack trace. */
@Catch()
export class DetailExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(DetailExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, detail } = this.describe(exception);
    if (response.headersSent) return;
    if (status === Number(HttpStatus.SERVICE_UNAVAILABLE)) response.setHeader('Retry-After', '1');
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
