import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConveyorMetrics } from './conveyor-metrics.service';

/**
 * The route label of a request: the template it matched (`/api/tasks/:id`), never the path
 * itself, so a task id never becomes a label value; `unmatched` for an /api path no route took
 * (a 404), `static` for the dashboard's files.
 */
export function routeLabel(
  request: Pick<Request, 'baseUrl' | 'originalUrl'> & { route?: unknown },
): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return `${request.baseUrl}${path}`;
  return request.originalUrl.startsWith('/api') ? 'unmatched' : 'static';
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Times every HTTP request into conveyor_http_request_duration_seconds. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: ConveyorMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const start = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // A made-up method would add a label value per spelling.
      const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
      this.metrics.httpRequest(method, routeLabel(request), response.statusCode, seconds);
    });
    next();
  }
}
