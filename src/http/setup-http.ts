import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { docsAccess } from '../auth/docs-access';
import { loopbackHostOnly } from '../auth/host-check';
import { RequestAuthenticator } from '../auth/request-authenticator.service';
import { AppConfig } from '../config/app-config';
import { ConveyorMetrics } from '../metrics/conveyor-metrics.service';
import { observeRequest } from '../metrics/http-metrics';
import { readJsonBody } from './json-body';
import { DetailValidationPipe } from './detail-validation.pipe';
import { requestIdFor } from './request-id';
import { BULK_BODY_PATHS, MAX_BODY_BYTES, MAX_BULK_BODY_BYTES } from './request-shape';
import {
  answerClientError,
  bodyDeadlines,
  KEEP_ALIVE_TIMEOUT_MS,
  limitConnections,
} from './slow-clients';

/** The dashboard's built files. */
export const CLIENT_DIR = join(__dirname, '..', '..', 'client', 'dist');

/** One year, for browsers that reached the service over HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Nest's Fastify adapter with the server's own settings and its first hook, which runs ahead
 * of the CORS hook that answers preflights: the request id and HSTS, set on Node's response so
 * that answers written past Fastify (the Host check, a body deadline) carry them too.
 */
export async function createHttpAdapter(config: AppConfig): Promise<FastifyAdapter> {
  const adapter = new FastifyAdapter(await serverOptions(config));
  adapter.setOnRequestHook((request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.raw.setHeader('x-request-id', request.id);
    if (request.protocol === 'https') reply.raw.setHeader('Strict-Transport-Security', HSTS);
    done();
  });
  return adapter;
}

/** The server's own settings, given when the Fastify instance is made. */
async function serverOptions(config: AppConfig): Promise<FastifyServerOptions> {
  // Loaded here so that worker processes do not carry it.
  const { default: helmet } = await import('helmet');
  // Task data is shown in the dashboard; the policy forbids any script but the page's own files.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        // The service is often reached over plain HTTP on a private network.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: false,
    // Sent by a hook only to clients that came over HTTPS: over plain HTTP it is wrong.
    strictTransportSecurity: false,
  });
  return {
    // The headers go on before Fastify sees the request, so that every answer has them,
    // whoever writes it: a CORS preflight, the Host check, a refused body, a 404.
    serverFactory: (handler) =>
      createServer((request, response) =>
        securityHeaders(request, response, () => handler(request, response)),
      ),
    // Behind a proxy, request.ip and request.protocol come from its X-Forwarded-* headers.
    trustProxy: config.http.trustProxy,
    bodyLimit: MAX_BODY_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Bodies have their own deadlines (bodyDeadlines), which a large upload must not meet.
    requestTimeout: 0,
    clientErrorHandler: answerClientError(config.http),
    // The id the request is logged and answered under (X-Request-Id, set by the first hook).
    genReqId: (request) => requestIdFor(request.headers['x-request-id']),
    requestIdHeader: false,
    // /api/tasks/ is /api/tasks, as the seed's clients call it; a long id is the handler's
    // 404 with a {detail}, not the router's.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
  };
}

/**
 * Everything the HTTP role adds to the app before it listens, in the order requests meet it (after
 * the security headers, which the server itself sets, and the request id and HSTS, which the
 * adapter's first hook sets): CORS, which answers preflights; in open mode the Host check; the
 * deadlines for slow bodies; the JSON parser and its {detail} errors; then strict validation,
 * request metrics, the server's connection limits and the OpenAPI document, whose pages get the
 * same authentication as every route (Swagger serves them itself, past Nest's guards).
 */
export async function setupHttp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  // Loaded here so that worker processes do not carry it.
  const { DocumentBuilder, SwaggerModule } = await import('@nestjs/swagger');
  const fastify = app.getHttpAdapter().getInstance();
  if (config.auth.mode === 'open') app.use(loopbackHostOnly);
  app.use(bodyDeadlines(config.http));
  // §6: same origin by default; listed origins (or * in keys mode) get CORS, never with
  // credentials: cross-origin clients send a key, and the dashboard's cookie stays at home.
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) {
    // Idempotent-Replayed tells a cross-origin client that a submit was answered from before.
    app.enableCors({
      origin: config.corsOrigins,
      credentials: false,
      exposedHeaders: ['Idempotent-Replayed', 'Retry-After'],
    });
  }
  // A bulk submit's larger limit; every other route keeps the server's.
  fastify.addHook('onRoute', (route) => {
    if (BULK_BODY_PATHS.includes(route.url)) route.bodyLimit = MAX_BULK_BODY_BYTES;
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', readJsonBody);
  // Any other body is left unread for its route: uploads stream multipart themselves, and the
  // JSON routes answer any other type with a 415 that says what to send.
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
  app.useGlobalPipes(new DetailValidationPipe());
  const metrics = app.get(ConveyorMetrics);
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    observeRequest(metrics, request, reply);
    done();
  });
  limitConnections(app.getHttpServer(), config.http);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conveyor')
      .setDescription('Submit background tasks, watch them run, cancel and retry them.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (cvk_…)' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  app.use('/api/docs', docsAccess(app.get(RequestAuthenticator)));
  SwaggerModule.setup('api/docs', app, document);
  // The dashboard. A path that is no file, under /api or not, falls through to the 404 {detail}.
  app.useStaticAssets({ root: CLIENT_DIR });
}
