import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isMultipart } from '../files/multipart-upload';
import { answerDetail } from './detail-answer';
import { HttpLimits } from '../config/app-config';

const seconds = (ms: number): string => `${ms / 1000} s`;

/** Headers a raw answer carries too: the client must not sniff or frame it. */
const RAW_HEADERS = 'X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n';

/**
 * An answer written straight to the socket, for errors Node raises before any request object
 * exists (headers too slow, too large, or not HTTP at all); then the connection is closed.
 */
export function rawAnswer(socket: Socket, status: number, reason: string, detail: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n${RAW_HEADERS}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * How long an idle keep-alive connection stays open. Longer than the idle timeouts of the load
 * balancers in front of an API (60 s on most), which reuse a connection until then: with Node's
 * 5 s default, a request sent as the server closes the socket fails ("other side closed", a 502).
 * Clients learn it from the Keep-Alive header and stop reusing a socket a little before.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * The server's own limits: headers within `headersTimeoutMs` (answered by answerClientError),
 * at most `maxConnections` open at once (further ones are closed at once by Node). Node's
 * whole-request timeout is off: bodies have their own deadlines (bodyDeadlines), which an upload
 * of a large file must not meet.
 */
export function limitConnections(server: Server, limits: HttpLimits): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = 0;
  // Node checks the headers deadline on this interval (30 s by default, longer than the limit);
  // it is read when the server starts listening, and @types/node declares it only as an option.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.min(1000, limits.headersTimeoutMs / 2);
  server.maxConnections = limits.maxConnections;
}

/**
 * The answer to an error Node raises before any request exists (the server's clientError):
 * headers too slow (408), too large (431), or not HTTP at all (400).
 */
export function answerClientError(limits: HttpLimits) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    switch (error.code) {
      case 'ERR_HTTP_REQUEST_TIMEOUT':
        return rawAnswer(
          socket,
          408,
          'Request Timeout',
          `The request headers did not arrive within the ${seconds(limits.headersTimeoutMs)} limit (HTTP_HEADERS_TIMEOUT_MS)`,
        );
      case 'HPE_HEADER_OVERFLOW':
        return rawAnswer(
          socket,
          431,
          'Request Header Fields Too Large',
          'The request headers are larger than the server accepts',
        );
      case 'ECONNRESET':
        socket.destroy();
        return;
      default:
        return rawAnswer(socket, 400, 'Bad Request', 'The request is not valid HTTP');
    }
  };
}

/**
 * Stricter than type-is's `hasBody` on purpose: a `Content-Length: 0` body has nothing to wait
 * for, so it gets no deadline.
 */
const hasBytesToWaitFor = (request: IncomingMessage): boolean =>
  request.headers['transfer-encoding'] !== undefined ||
  Number(request.headers['content-length'] ?? 0) > 0;

/**
 * Middleware on Node's request and response, first in line: a body must arrive within
 * `bodyTimeoutMs` of its headers, and an upload (multipart) must never pause for
 * `uploadIdleTimeoutMs`; otherwise 408 with a {detail}, and the connection is closed (the rest of
 * the body is never read).
 */
export function bodyDeadlines(limits: HttpLimits) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    if (!hasBytesToWaitFor(request)) return next();
    const socket = request.socket;
    const refuse = (detail: string): void => {
      if (response.headersSent) {
        socket.destroy();
        return;
      }
      response.once('finish', () => socket.destroy());
      response.setHeader('Connection', 'close');
      answerDetail(response, 408, detail);
    };
    let timer: NodeJS.Timeout | undefined;
    const onIdle = (): void =>
      refuse(
        `The upload paused for more than the ${seconds(limits.uploadIdleTimeoutMs)} limit (UPLOAD_IDLE_TIMEOUT_MS)`,
      );
    const done = (): void => {
      clearTimeout(timer);
      request.off('timeout', onIdle);
      socket.setTimeout(0);
    };
    if (isMultipart(request)) {
      // On the request, not the socket: Node destroys a timed-out socket that no request heeds.
      request.setTimeout(limits.uploadIdleTimeoutMs, onIdle);
    } else {
      timer = setTimeout(
        () =>
          refuse(
            `The request body did not arrive within the ${seconds(limits.bodyTimeoutMs)} limit (HTTP_BODY_TIMEOUT_MS)`,
          ),
        limits.bodyTimeoutMs,
      );
    }
    // 'end' does not start the stream flowing: the body is still read by whoever reads it.
    request.once('end', done);
    response.once('close', done);
    next();
  };
}
