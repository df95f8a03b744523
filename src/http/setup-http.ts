import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import type { NextFunction, Request, Response } from 'express';
import { bodyParserErrorHandler } from './body-parser-errors';
import { DetailValidationPipe } from './detail-validation.pipe';
import { bodyDeadlines, limitConnections } from './slow-clients';

/** One year, for browsers that reached the service over HTTPS. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Everything the HTTP role adds to the app before it listens, in the order requests meet it:
 * security headers first (so that every answer has them, a body parser's 413 or a CORS
 * preflight too), the deadlines for slow bodies, CORS, the JSON body parser and its {detail}
 * errors; then strict validation, the server's connection limits and the OpenAPI document.
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
  app.use(bodyDeadlines(config.http));
  app.enableCors({ origin: config.corsOrigins });
  app.useBodyParser('json', { limit: '1mb' });
  app.use(bodyParserErrorHandler);
  app.useGlobalPipes(new DetailValidationPipe());
  limitConnections(app.getHttpServer(), config.http);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conveyor')
      .setDescription('Submit background tasks, watch them run, cancel and retry them.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}
