import { randomUUID } from 'node:crypto';

/** What an X-Request-Id from a client may be to be kept: a UUID, a trace id, nothing longer. */
const ACCEPTED = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The id a request is logged and answered under: the client's X-Request-Id when it is up to 64
 * letters, digits and dashes, so that its logs and ours meet; otherwise a new UUID (a header of
 * any other shape is not echoed, nor written to the log).
 */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && ACCEPTED.test(header) ? header : randomUUID();
}
