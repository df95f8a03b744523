// Sums a V8 .cpuprofile's self time by area of the code: which library or which part of the
// service a sample's own function belongs to. The first matching rule names the area.

/**
 * The path of a file of the service's own build under dist/ (compiled from src/, the same
 * folders), or undefined for a library's file, its own dist/ folder included, or Node's.
 */
const servicePath = (url) =>
  url.includes('/node_modules/') ? undefined : /\/dist\/(.*)$/.exec(url)?.[1];

/** A rule for the service's files whose path under dist/ matches `pattern`. */
const service = (pattern) => (url) => {
  const path = servicePath(url);
  return path !== undefined && pattern.test(path);
};

const AREAS = [
  ['idle', (url, name) => name === '(idle)'],
  ['GC', (url, name) => name === '(garbage collector)'],
  ['program (native, V8)', (url, name) => name === '(program)'],
  [
    'logging (pino, pino-http)',
    (url) =>
      /node_modules\/(pino|pino-http|nestjs-pino|fast-redact|sonic-boom|pino-std-serializers|thread-stream)\//.test(
        url,
      ),
  ],
  [
    'validation (class-validator/-transformer, pipes)',
    (url) =>
      /node_modules\/(class-validator|class-transformer|validator|libphonenumber-js)\//.test(url) ||
      service(
        /^(http\/(detail-validation|validation-problems|request-shape)|tasks\/validate-task-params|task-types\/.*params)/,
      )(url),
  ],
  ['TypeORM', (url) => /node_modules\/typeorm\//.test(url)],
  ['SQLite driver', (url) => /node_modules\/better-sqlite3\//.test(url)],
  [
    'PostgreSQL driver',
    (url) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-.*)\//.test(url),
  ],
  ['BullMQ', (url) => /node_modules\/bullmq\//.test(url)],
  [
    'ioredis',
    (url) =>
      /node_modules\/(ioredis|redis-parser|redis-errors|cluster-key-slot|denque|standard-as-callback)\//.test(
        url,
      ),
  ],
  [
    'rate limit (throttler)',
    (url) =>
      /node_modules\/(@nestjs\/throttler|@nest-lab)\//.test(url) ||
      service(/^limits\/(rate-limit|client-key|limits-redis)/)(url),
  ],
  ['quotas', service(/^limits\/(quota|storage-quota)/)],
  ['auth', service(/^auth\//)],
  ['idempotency', service(/^idempotency\//)],
  ['audit', service(/^audit\//)],
  [
    'metrics (prom-client)',
    (url) => /node_modules\/prom-client\//.test(url) || service(/^metrics\//)(url),
  ],
  ['events', service(/^events\//)],
  [
    'OpenTelemetry',
    (url) => /node_modules\/@opentelemetry\//.test(url) || service(/^telemetry\//)(url),
  ],
  [
    'Nest pipeline (core, rxjs)',
    (url) =>
      /node_modules\/(@nestjs\/core|@nestjs\/common|@nestjs\/platform-fastify|rxjs|reflect-metadata|tslib)\//.test(
        url,
      ),
  ],
  [
    'Fastify + middie + helmet',
    (url) =>
      /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|avvio|light-my-request|fast-querystring|fast-json-stringify|fast-decode-uri-component|safe-regex2|ret|toad-cache|rfdc|abstract-logging|process-warning|secure-json-parse|content-type|type-is|helmet|cookie|mime-types|mime-db|proxy-addr|forwarded|ipaddr.js|path-to-regexp|busboy|streamsearch)\//.test(
        url,
      ),
  ],
  ['tasks + task store (service code)', service(/^(tasks|database|queue|core)\//)],
  ['other service code', service(/./)],
  ['other node_modules', (url) => /node_modules\//.test(url)],
  ['Node core (http, net, streams, crypto)', (url) => url.startsWith('node:') || url === ''],
  ['other', () => true],
];

const NODE_CORE = 'Node core (http, net, streams, crypto)';
const areaOf = ({ url, functionName }) => AREAS.find(([, test]) => test(url, functionName))[0];

/**
 * Self time per area. Time in Node's own code (http, streams, crypto) goes to the nearest caller
 * outside it, so that a socket write lands with the library that asked for it.
 */
export function summariseProfile(profile, { fromUs = -Infinity, toUs = Infinity, top = 0 } = {}) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node);
  const selfMs = new Map();
  const byFunction = new Map();
  const deltas = profile.timeDeltas;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    let node = byId.get(profile.samples[i]);
    const ms = (deltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '').replace(/.*dist\//, '')}:${lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + ms);
    let area = areaOf(node.callFrame);
    while (area === NODE_CORE && parentOf.get(node.id)) {
      node = parentOf.get(node.id);
      const above = areaOf(node.callFrame);
      if (above === 'other' || above === 'program (native, V8)') break;
      area = above;
    }
    selfMs.set(area, (selfMs.get(area) ?? 0) + ms);
  }
  const busy = [...selfMs].filter(([area]) => area !== 'idle');
  const total = busy.reduce((sum, [, ms]) => sum + ms, 0);
  const line = ([name, ms]) =>
    `${name.slice(0, 90).padEnd(90)} ${ms.toFixed(0).padStart(7)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %`;
  const functions = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [...busy.sort((a, b) => b[1] - a[1]).map(line), '', ...functions.map(line)].join('\n');
}

/**
 * The stretches in which the main thread never went idle for at least `minMs`: what an arrival
 * waits behind. For each of the longest, its areas and the service functions it ran under (the
 * nearest frame of the service's own code in each sample's stack: a request handler, a timer's
 * pass), which tell a burst of requests from one long piece of work.
 */
export function summariseBusyStretches(
  profile,
  { fromUs = -Infinity, toUs = Infinity, minMs = 10, top = 10 } = {},
) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node);
  // The innermost: after an await a stack starts where the service's code resumed, so the
  // nearest frame of its own is what says whose work it was (a store's INSERT, a sweep's read).
  const nearestServiceFrame = (node) => {
    for (let at = node; at; at = parentOf.get(at.id))
      if (servicePath(at.callFrame.url) !== undefined)
        return `${at.callFrame.functionName || '(anonymous)'} ${servicePath(at.callFrame.url)}`;
    return '(no service frame)';
  };
  const stretches = [];
  let current;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) continue;
    const node = byId.get(profile.samples[i]);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (node.callFrame.functionName === '(idle)') {
      if (current) stretches.push(current);
      current = undefined;
      continue;
    }
    current ??= { startUs: at, ms: 0, areas: new Map(), entries: new Map() };
    current.ms += ms;
    const area = areaOf(node.callFrame);
    current.areas.set(area, (current.areas.get(area) ?? 0) + ms);
    const entry = nearestServiceFrame(node);
    current.entries.set(entry, (current.entries.get(entry) ?? 0) + ms);
  }
  if (current) stretches.push(current);
  const long = stretches.filter((s) => s.ms >= minMs).sort((a, b) => b.ms - a.ms);
  const busyMs = stretches.reduce((sum, s) => sum + s.ms, 0);
  const shares = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => `${name} ${ms.toFixed(0)}`)
      .join(', ');
  return [
    `${stretches.length} busy stretches, ${busyMs.toFixed(0)} ms; ${long.length} of at least ${minMs} ms, ${long.reduce((sum, s) => sum + s.ms, 0).toFixed(0)} ms`,
    ...long
      .slice(0, top)
      .map(
        (s) =>
          `${s.ms.toFixed(0).padStart(5)} ms at +${((s.startUs - Math.max(fromUs, profile.startTime)) / 1e6).toFixed(2)} s: ${shares(s.areas, 4)} | under ${shares(s.entries, 3)}`,
      ),
  ].join('\n');
}
