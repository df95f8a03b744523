// HTTP load through autocannon, reduced to the numbers the results table shows.
import autocannon from 'autocannon';

/**
 * `overallRate` (requests/s over all connections) makes the load open-loop: requests are sent
 * on schedule whatever the answers' latency, and autocannon corrects the latencies of requests
 * it could not send on time (coordinated omission). Without it, each connection sends its next
 * request when the last is answered (closed loop, saturating).
 */
export async function load(
  url,
  { connections, seconds, method = 'GET', body, headers = {}, overallRate },
) {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    // Transport errors and timeouts, plus any answer outside 2xx.
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

export const formatLoad = (r) =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors`;
