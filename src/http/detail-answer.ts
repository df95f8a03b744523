import type { ServerResponse } from 'node:http';

/**
 * A {detail} answer written with Node's own response API, for the checks that run before any
 * route (host, body deadlines, the OpenAPI pages' access): they run alike under every HTTP
 * platform, which hands such middleware Node's response.
 */
export function answerDetail(response: ServerResponse, status: number, detail: unknown): void {
  const body = JSON.stringify({ detail });
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}
