// Writes a copy of the built service (dist/) whose API runs on Nest's Fastify adapter instead of
// Express, by editing the compiled files: enough for the submit and read paths the queue and
// submit rows use, not a port. Left out on purpose: the dashboard (ServeStaticModule) and the
// OpenAPI pages (on both adapters); on Fastify also uploads, SSE, CORS (off unless
// CORS_ORIGINS is set), the bulk endpoint's larger body limit and the body-parser error
// mapping (Fastify answers those 400s itself). With --express only the first two go and
// Express is kept, so that what the adapter costs is compared with everything else equal.
// Usage: node bench/fastify-spike-build.mjs <out-dir> [--express]
//        BENCH_MAIN=<out-dir>/dist/main.js node bench/submit-latency.mjs
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from './lib/service.mjs';

const [outArg] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (!outArg) throw new Error('usage: node bench/fastify-spike-build.mjs <out-dir> [--express]');
const onExpress = process.argv.includes('--express');
const out = resolve(outArg);
if (!existsSync(join(PROJECT_ROOT, 'dist', 'main.js'))) throw new Error('run npm run build first');
// The folder is emptied first: never the project or a folder holding it.
if (`${PROJECT_ROOT}/`.startsWith(`${out}/`)) throw new Error(`${out} holds the project`);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(PROJECT_ROOT, 'dist'), join(out, 'dist'), { recursive: true });
for (const name of ['node_modules', 'client', 'package.json']) {
  symlinkSync(join(PROJECT_ROOT, name), join(out, name));
}

/** Applies [from, to] replacements to one compiled file; a missing `from` stops the build. */
function edit(file, replacements) {
  const path = join(out, 'dist', file);
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of replacements) {
    const at = typeof from === 'string' ? text.indexOf(from) : text.search(from);
    if (at < 0)
      throw new Error(`${file}: ${from} not found; the source changed, update this script`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}

const cutFrom = (marker) => [new RegExp(`${marker}[\\s\\S]*$`), '}\n'];

edit('app.module.js', [[/serve_static_1\.ServeStaticModule\.forRoot\([^)]*\),/, '']]);
edit('http/setup-http.js', [cutFrom('    const document = SwaggerModule')]);

if (!onExpress) {
  edit('main.js', [
    [
      /core_1\.NestFactory\.create\(app_module_1\.AppModule\.forRole\(config\), \{\s*bufferLogs: true,\s*bodyParser: false,\s*\}\)/,
      `core_1.NestFactory.create(app_module_1.AppModule.forRole(config), new (require('@nestjs/platform-fastify').FastifyAdapter)({ trustProxy: config.http.trustProxy, bodyLimit: require('./http/request-shape').MAX_BODY_BYTES }), { bufferLogs: true })`,
    ],
  ]);
  edit('http/setup-http.js', [
    [
      / {4}app\.disable\('x-powered-by'\);[\s\S]*?(?= {4}app\.useGlobalPipes\()/,
      `    app.use((request, response, next) => { if (request.socket.encrypted) response.setHeader('Strict-Transport-Security', HSTS); next(); });
    if (config.auth.mode === 'open') app.use(host_check_1.loopbackHostOnly);
    app.use((0, slow_clients_1.bodyDeadlines)(config.http));
`,
    ],
  ]);
  // Express's request.is, response.json and response.setHeader, in Fastify's words.
  edit('http/slow-clients.js', [
    [
      "request.is('multipart/form-data')",
      "String(request.headers['content-type']).startsWith('multipart/form-data')",
    ],
  ]);
  edit('http/json-body.guard.js', [
    [
      "request.is('application/json') === false",
      "request.body !== undefined && !String(request.headers['content-type']).startsWith('application/json')",
    ],
  ]);
  edit('http/detail-exception.filter.js', [
    ["response.setHeader('Retry-After', '1')", "response.header('Retry-After', '1')"],
    ["response.setHeader('Retry-After',", "response.header('Retry-After',"],
    ['response.status(status).json({ detail })', 'response.status(status).send({ detail })'],
  ]);
  edit('idempotency/idempotency.interceptor.js', [
    [
      'response.setHeader(idempotency_request_1.REPLAYED_HEADER',
      'response.header(idempotency_request_1.REPLAYED_HEADER',
    ],
  ]);
  edit('auth/auth.guard.js', [
    ["response.setHeader('WWW-Authenticate'", "response.header('WWW-Authenticate'"],
  ]);
}
console.log(`${onExpress ? 'Express' : 'Fastify'} spike build: ${join(out, 'dist', 'main.js')}`);
