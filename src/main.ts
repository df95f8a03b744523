import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { docsAccess } from './auth/docs-access';
import { loopbackHostOnly } from './auth/host-check';
import { RequestAuthenticator } from './auth/request-authenticator.service';
import { AppConfig } from './config/app-config';
import { servesHttp } from './config/app-role';
import { EnvValidationError, validateEnv } from './config/env';
import { ensureRedis, RedisUnavailableError } from './config/local-redis';
import { bodyParserErrorHandler } from './tasks/detail-exception.filter';
import { DetailValidationPipe } from './tasks/detail-validation.pipe';

async function startHttp(config: AppConfig): Promise<INestApplicationContext> {
  // Loaded here so that worker processes do not carry them.
  const [{ default: helmet }, { DocumentBuilder, SwaggerModule }] = await Promise.all([
    import('helmet'),
    import('@nestjs/swagger'),
  ]);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRole(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
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
  closeOnSignals(app, config);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Conveyor')
      .setDescription('Submit background tasks, watch them run, cancel and retry them.')
      .setVersion('1')
      .build(),
  );
  app.use('/api/docs', docsAccess(app.get(RequestAuthenticator)));
  SwaggerModule.setup('api/docs', app, document);
  await app.listen(config.port, config.host);
  app
    .get(Logger)
    .log(
      `Conveyor (${config.role}) listening on http://${config.host}:${config.port} (AUTH_MODE=${config.auth.mode})`,
    );
  return app;
}

/** A worker is an application context: processors, no HTTP listener. */
async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRole(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  closeOnSignals(app, config);
  app.get(Logger).log('Conveyor worker started');
  return app;
}

/**
 * SIGTERM/SIGINT close the app (workers drain within SHUTDOWN_GRACE_MS, then SQL and Redis
 * close) and exit 0; Nest's own hooks would re-raise the signal instead.
 */
function closeOnSignals(app: INestApplicationContext, config: AppConfig): void {
  const logger = app.get(Logger);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received: shutting down`);
      // A last resort should a connection refuse to close.
      setTimeout(() => process.exit(1), config.shutdownGraceMs + 15_000).unref();
      app.close().then(
        () => process.exit(0),
        (error: Error) => {
          logger.error(error);
          process.exit(1);
        },
      );
    });
  }
}

async function bootstrap(): Promise<void> {
  const say = (message: string): void =>
    console.error(JSON.stringify({ level: 'info', msg: message }));
  try {
    const config = await ensureRedis(new AppConfig(validateEnv(process.env)), say);
    await (servesHttp(config.role) ? startHttp(config) : startWorker(config));
  } catch (error) {
    if (error instanceof EnvValidationError || error instanceof RedisUnavailableError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

void bootstrap();
