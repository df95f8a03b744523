import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

/**
 * What the service reads of a request, alike on every HTTP platform Nest runs on: Express's
 * request and Fastify's both have these, with `ip` and `protocol` taken from a trusted proxy's
 * X-Forwarded-* headers (TRUST_PROXY).
 */
export interface HttpRequest {
  method: string;
  /** The path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  ip?: string;
  protocol?: string;
  socket: Socket;
  body?: unknown;
  params?: Record<string, unknown>;
}

/** The path without its query: what a route matched. */
export const pathOf = (request: Pick<HttpRequest, 'url'>): string => {
  const query = request.url.indexOf('?');
  return query === -1 ? request.url : request.url.slice(0, query);
};
