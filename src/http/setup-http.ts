import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig } from '../config/app-config';
import { bodyParserErrorHandler } from './body-parser-errors';
import { DetailValidationPipe } from './detail-validation.pipe';

/**
 * Everything the HTTP role adds to the app before it listens: the JSON body parser and its
 * {detail} errors, strict validation, CORS, security headers and the OpenAPI document.
 */
export async function setupHttp(app: NestExpressApplication, config: AppConfig): Promise<void> {
  // Loaded here so that worker processes do not carry them.
  const [{ default: helmet }, { DocumentBuilder, SwaggerModule }] = await Promise.all([
    import('helmet'),
    import('@nestjs/swagger'),
  ]);
  app.useBodyParser('json', { limit: '1mb' });
  app.use(bodyParserErrorHandler);
  app.useGlobalPipes(new DetailValidationPipe());
  app.enableCors({ origin: config.corsOrigins });
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
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}
