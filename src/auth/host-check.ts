import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerDetail } from '../http/detail-answer';
import { hostnameOf, isLoopbackHost } from '../config/loopback-host';

/**
 * Open mode trusts whoever can connect, which is only this machine — unless a web page makes
 * the visitor's browser connect for it: DNS rebinding points a site's name at 127.0.0.1, and
 * the browser then calls this API as that site. Such a request still names the site in its
 * Host header, so open mode answers only requests addressed to a loopback name.
 */
export function loopbackHostOnly(
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
): void {
  const host = request.headers.host;
  if (host !== undefined && isLoopbackHost(hostnameOf(host))) return next();
  answerDetail(
    response,
    403,
    `In open mode only loopback host names are answered (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(host ?? '')}; to serve other names, use AUTH_MODE=keys`,
  );
}
