import { HttpStatus, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Errors raised by Express's body parser carry a status and a type, but are not HttpExceptions. */
interface BodyParserError {
  status: number;
  type: string;
  message: string;
  /** The byte limit that a too-large body passed. */
  limit?: number;
}

const MIB = 1024 * 1024;

export const isBodyParserError = (error: unknown): error is BodyParserError =>
  error instanceof Error &&
  typeof (error as Partial<BodyParserError>).status === 'number' &&
  typeof (error as Partial<BodyParserError>).type === 'string';

export function bodyParserDetail(error: BodyParserError): { status: number; detail: unknown } {
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
          error.limit !== undefined && error.limit > MIB
            ? `The request body is larger than the ${error.limit / MIB} MiB limit of a bulk submit; send the tasks in smaller batches`
            : 'The request body is larger than the 1 MiB limit; upload large data through POST /api/files',
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
  // A body cut short after its deadline's 408 was answered: nothing left to say.
  if (response.headersSent) return;
  const { status, detail } = bodyParserDetail(error);
  bodyParserLogger.warn(
    `${request.method} ${request.originalUrl} refused with ${status}: ${error.message}`,
  );
  response.status(status).json({ detail });
}
