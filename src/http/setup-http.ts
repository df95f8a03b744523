import { NestExpressApplication } from '@nestjs/platform-express';
import { docsAccess } from '../auth/docs-access';
import { loopbackHostOnly } from '../auth/host-check';
import { RequestAuthenticator } from '../auth/request-authenticator.service';
import { AppConfig } from '../config/app-config';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { bodyParserErrorHandler } from './body-parser-errors';
import { DetailValidationPipe } from './detail-validation.pipe';
import { BULK_BODY_PATHS, MAX_BODY_BYTES, MAX_BULK_BODY_BYTES } from './request-shape';
import { bodyDeadlines, limitConnections } from './slow-clients';

/** One year, for browsers that reached the service over HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Everything the HTTP role adds to the app before it listens, in the order requests meet it:
 * security headers first (so that every answer has them, a body parser's 413 or a CORS
 * preflight too), the deadlines for slow bodies, CORS, the JSON body parser and its {detail}
 * errors; then strict validation, the server's connection limits and the OpenAPI document. In
 * open mode the Host check comes right after the headers; the OpenAPI pages get the same
 * authentication as every route (Swagger serves them itself, past Nest's guards).
 */
export async function setupHttp(app: NestExpressApplication, config: AppConfig): Promise<void> {
  // Loaded here so that worker processes do not carry them.
  const [{ default: helmet }, { DocumentBuilder, SwaggerModule }] = await Promise.all([
    import('helmet'),
    import('@nestjs/swagger'),
  ]);
  // Task data is shown in the dashboard; the policy forbids any script but the page's own files.
  app.use(
    helmet({
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
      // Sent below only to clients that came over HTTPS: over plain HTTP it is wrong and ignored.
      strictTransportSecurity: false,
    }),
  );
  app.disable('x-powered-by');
  // Behind a proxy, req.secure and req.ip come from its X-Forwarded-* headers (TRUST_PROXY).
  app.set('trust proxy', config.http.trustProxy);
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.secure) response.setHeader('Strict-Transport-Security', HSTS);
    next();
  });
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
  // A bulk submit's larger limit first: the body parser that reads a body marks it read, and
  // the general one then passes it by.
  for (const path of BULK_BODY_PATHS) app.use(path, json({ limit: MAX_BULK_BODY_BYTES }));
  app.useBodyParser('json', { limit: MAX_BODY_BYTES });
  app.use(bodyParserErrorHandler);
  app.useGlobalPipes(new DetailValidationPipe());
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
}
