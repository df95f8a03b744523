import { NestExpressApplication } from '@nestjs/platform-express';
import { docsAccess } from '../auth/docs-access';
import { loopbackHostOnly } from '../auth/host-check';
import { RequestAuthenticator } from '../auth/request-authenticator.service';
import { AppConfig } from '../config/app-config';
import { bodyParserErrorHandler } from './body-parser-errors';
import { DetailValidationPipe } from './detail-validation.pipe';

/**
 * Everything the HTTP role adds to the app before it listens: the JSON body parser and its
 * {detail} errors, strict validation, CORS, security headers and the OpenAPI document; in open
 * mode the Host check first, and the same authentication in front of the OpenAPI pages as in
 * front of every route (Swagger serves them itself, past Nest's guards).
 */
export async function setupHttp(app: NestExpressApplication, config: AppConfig): Promise<void> {
  // Loaded here so that worker processes do not carry them.
  const [{ default: helmet }, { DocumentBuilder, SwaggerModule }] = await Promise.all([
    import('helmet'),
    import('@nestjs/swagger'),
  ]);
  if (config.auth.mode === 'open') app.use(loopbackHostOnly);
  app.useBodyParser('json', { limit: '1mb' });
  app.use(bodyParserErrorHandler);
  app.useGlobalPipes(new DetailValidationPipe());
  // §6: same origin by default; listed origins (or * in keys mode) get CORS, never with
  // credentials: cross-origin clients send a key, and the dashboard's cookie stays at home.
  if (config.corsOrigins === '*' || config.corsOrigins.length > 0) {
    app.enableCors({ origin: config.corsOrigins, credentials: false });
  }
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
    }),
  );
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
