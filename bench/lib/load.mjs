// HTTP load, reduced to the numbers the results table shows: closed loop through autocannon
// (each connection sends its next request when the last is answered: saturating), open loop
// through openLoad below (requests sent on a fixed schedule whatever the answers' latency).
import autocannon from 'autocannon';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long the open loop waits for answers after its last request was due. */
const OPEN_LOOP_DRAIN_MS = 10_000;
/**
 * The open loop also reports the p99 of the requests due this long after it started: a server
 * that idled before the run answers its first second or two slower (a shrunk young generation,
 * code to optimise again), and the two figures side by side show how much of a tail that is.
 */
export const SETTLING_MS = 2_000;

/**
 * With `overallRate` (requests/s over all connections) the load is open-loop (openLoad);
 * without it, closed-loop through autocannon.
 *
 * autocannon's own `overallRate` is not used for the open loop: it lets each connection send
 * its share of the second back to back as soon as the second starts, then idle until the next
 * one, so 300 requests/s arrive as one burst of 300 per second; and it corrects for coordinated
 * omission with an expected interval of `Math.ceil(1 / rate)` ms (1 ms at any rate), which adds
 * a synthetic sample per millisecond of every answer's latency. Both inflate the tail far past
 * what an evenly paced load meets.
 */
export async function load(
  url,
  { connections, seconds, method = 'GET', body, headers = {}, overallRate },
) {
  const allHeaders = { ...(body ? { 'content-type': 'application/json' } : {}), ...headers };
  const payload = body ? JSON.stringify(body) : undefined;
  if (overallRate)
    return openLoad(url, {
      rate: overallRate,
      seconds,
      connections,
      method,
      headers: allHeaders,
      body: payload,
    });
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    method,
    headers: allHeaders,
    body: payload,
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

/**
 * Open loop: request i is due at start + i / rate, evenly spaced, and is sent then over one of
 * at most `connections` keep-alive sockets (it waits for a free one when all are busy, as a
 * client with a connection pool would). Its latency runs from when it was due, not from when it
 * left, so a late send (the generator's timer, a full pool) counts against the server's answer
 * instead of vanishing from the record (coordinated omission). A request still unanswered
 * OPEN_LOOP_DRAIN_MS after the last was due counts as an error, with the time it waited so far
 * as its latency: an overloaded server's percentiles are not flattered by leaving it out, and
 * the run ends in bounded time.
 */
export async function openLoad(url, { rate, seconds, connections, method, headers, body }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const latencies = [];
  /** Latencies of the requests due SETTLING_MS or more after the start. */
  const settled = [];
  let errors = 0;
  /** 2xx answers. */
  let answered = 0;
  /** Requests sent and not yet answered, each with what ends it. */
  const unanswered = new Set();
  const send = (due) =>
    new Promise((resolve) => {
      const end = (latency, failed) => {
        if (!unanswered.delete(entry)) return;
        if (latency !== undefined) {
          latencies.push(latency);
          if (due - start >= SETTLING_MS) settled.push(latency);
        }
        if (failed) errors++;
        else answered++;
        resolve();
      };
      const request = http.request(url, { method, agent, headers }, (response) => {
        response.resume();
        response.once('error', () => end(undefined, true));
        response.once('end', () => {
          const ok = response.statusCode >= 200 && response.statusCode < 300;
          end(ok ? performance.now() - due : undefined, !ok);
        });
      });
      const entry = { due, request, end };
      unanswered.add(entry);
      request.once('error', () => end(undefined, true));
      request.end(body);
    });

  const start = performance.now();
  const answers = [];
  for (let sent = 0; sent < total;) {
    const now = performance.now();
    // Everything due by now goes out at once: a late wake-up catches up instead of drifting.
    for (; sent < total && start + sent * intervalMs <= now; sent++)
      answers.push(send(start + sent * intervalMs));
    if (sent < total) await sleep(Math.max(0, start + sent * intervalMs - performance.now()));
  }
  let drainTimer;
  await Promise.race([
    Promise.all(answers),
    new Promise((resolve) => (drainTimer = setTimeout(resolve, OPEN_LOOP_DRAIN_MS))),
  ]);
  clearTimeout(drainTimer);
  const finishedAt = performance.now();
  for (const entry of [...unanswered]) {
    entry.end(finishedAt - entry.due, true);
    entry.request.destroy();
  }
  agent.destroy();
  const elapsedSeconds = (finishedAt - start) / 1000;
  const percentile = (values, p) => {
    values.sort((a, b) => a - b);
    return values.length === 0
      ? NaN
      : Math.round(values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)]);
  };
  return {
    rps: answered / elapsedSeconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    p99Settled: percentile(settled, 0.99),
    requests: total,
    errors,
  };
}

/**
 * Sends `amount` copies of one request over `connections` keep-alive connections, each sending
 * its next when the last is answered, and throws unless every answer is 2xx. Through autocannon,
 * whose client costs about a quarter of the CPU per request of `fetch` (measured on the queue
 * row: 0.25 against 1.1 ms per submit): on two cores the load generator shares the CPU with the
 * service it measures.
 */
export async function sendAll(url, { connections, amount, method = 'POST', headers = {}, body }) {
  const result = await autocannon({
    url,
    connections,
    amount,
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0 || result.requests.total !== amount)
    throw new Error(
      `${method} ${url}: ${result.requests.total} of ${amount} requests answered, ` +
        `${result.non2xx} outside 2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
}

export const formatLoad = (r) =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.errors} errors`;
