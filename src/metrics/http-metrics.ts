import type { FastifyReply, FastifyRequest } from 'fastify';
import { pathOf } from '../http/http-request';
import { ConveyorMetrics } from './conveyor-metrics.service';

/**
 * The route label of a request: the template it matched (`/api/tasks/:id`), never the path
 * itself, so a task id never becomes a label value; `unmatched` for an /api path no route took
 * (a 404), `static` for the dashboard's files.
 */
export function routeLabel(route: string | undefined, url: string): string {
  const path = pathOf({ url });
  if (route !== undefined && route.startsWith('/api') && path.startsWith('/api')) return route;
  return path.startsWith('/api') ? 'unmatched' : 'static';
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Times one answered request into conveyor_http_request_duration_seconds. */
export function observeRequest(
  metrics: ConveyorMetrics,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  // A made-up method would add a label value per spelling.
  const method = KNOWN_METHODS.has(request.method) ? request.method : 'OTHER';
  metrics.httpRequest(
    method,
    routeLabel(request.routeOptions.url, request.url),
    reply.statusCode,
    reply.elapsedTime / 1000,
  );
}
