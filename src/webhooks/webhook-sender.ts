import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { ResolvedTarget } from './webhook-target';

export interface SendResult {
  /** The receiver's status; null when there was no answer. */
  statusCode: number | null;
  durationMs: number;
  /** Null when the answer was 2xx. */
  error: string | null;
}

/** The most of an answer's body read (and thrown away): a receiver cannot make us read more. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs `body` to the target at the address it was checked at (the URL's host still goes in
 * Host and, for https, in SNI and the certificate check). Redirects are not followed: a 3xx is
 * a failure like any other non-2xx. Never throws.
 */
export function postJson(
  target: ResolvedTarget,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<SendResult> {
  const started = performance.now();
  const [first] = target.addresses;
  // Node may ask for every address (autoSelectFamily); either way only the checked one is given.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: first.address, family: first.family }]);
    else callback(null, first.address, first.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, durationMs: Math.round(performance.now() - started), error });
    };
    const request = client.request(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Conveyor-Webhooks/1',
          ...headers,
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const done = (): void =>
          finish(status, status >= 200 && status < 300 ? null : `HTTP ${status}`);
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish(null, `No answer within ${timeoutMs} ms`);
      request.destroy();
    }, timeoutMs);
    request.on('error', (error: Error & { code?: string }) =>
      finish(null, error.code ? `${error.code}: ${error.message}` : error.message),
    );
    request.end(body);
  });
}
