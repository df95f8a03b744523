import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { DomainError, RequestValidationError } from './domain-error';
import { MAX_BODY_BYTES } from './request-shape';

const MIB = 1024 * 1024;

/**
 * Bytes of a too-large body still read, and dropped, so that the client, which is still
 * sending, can read its 413; a body declared larger is answered at once and its connection
 * closed.
 */
export const DRAIN_BYTES = 32 * MIB;

/** A body refused before it reached a route: too large, or in a form that is not UTF-8 JSON. */
export class BodyRefusedError extends DomainError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

const tooLarge = (limit: number): BodyRefusedError =>
  new BodyRefusedError(
    413,
    limit > MIB
      ? `The request body is larger than the ${limit / MIB} MiB limit of a bulk submit; send the tasks in smaller batches`
      : 'The request body is larger than the 1 MiB limit; upload large data through POST /api/files',
  );

/**
 * Fastify's parser for application/json: reads the body up to the route's limit (a bulk
 * submit's is larger), then parses it with parseJson.
 */
export function readJsonBody(
  request: FastifyRequest,
  payload: IncomingMessage,
  done: (error: Error | null, value?: unknown) => void,
): void {
  const limit = request.routeOptions.bodyLimit ?? MAX_BODY_BYTES;
  if (Number(request.headers['content-length']) > limit + DRAIN_BYTES) {
    return done(tooLarge(limit));
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (error: Error | null, value?: unknown): void => {
    if (settled) return;
    settled = true;
    payload.off('data', onData);
    done(error, value);
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit + DRAIN_BYTES) settle(tooLarge(limit));
    else if (size <= limit) chunks.push(chunk);
  };
  payload.on('data', onData);
  payload.once('end', () => {
    if (size > limit) return settle(tooLarge(limit));
    try {
      settle(null, parseJson(request.headers, Buffer.concat(chunks)));
    } catch (error) {
      settle(error as Error);
    }
  });
  payload.once('error', (error) => settle(error));
}

/**
 * A JSON body: an object or an array (a bare value is refused, as a submit is always an
 * object), UTF-8, not compressed; an empty body is `{}`. Keys are kept as sent, `__proto__`
 * too: the request-shape check refuses them by name with a 422 that says which.
 */
export function parseJson(headers: IncomingHttpHeaders, body: Buffer): unknown {
  const charset = CHARSET.exec(headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BodyRefusedError(
      415,
      `unsupported charset "${charset.toUpperCase()}"; send UTF-8 JSON`,
    );
  }
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new BodyRefusedError(
      415,
      `unsupported content encoding "${encoding}"; send UTF-8 JSON without compression`,
    );
  }
  const text = body.toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) return {};
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token '${first}'`);
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestValidationError([
      {
        loc: ['body'],
        msg: `The request body is not valid JSON (${(error as Error).message}); send a JSON object`,
        type: 'json_invalid',
      },
    ]);
  }
}
