import type { IncomingMessage } from 'node:http';

/** A request as an HTTP platform hands it: Node's own (Express) or wrapping it as `raw` (Fastify). */
export type PlatformRequest = IncomingMessage | { raw: IncomingMessage };

/** The Node request, for what only it has: its socket, its stream, whether it was cut off. */
export const nodeRequestOf = (request: PlatformRequest): IncomingMessage =>
  'raw' in request ? request.raw : request;
