// First: with tracing on, the SDK must hook http before anything loads it.
import './telemetry/preload';
import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { servesHttp } from './config/app-role';
import { EnvValidationError, validateEnv } from './config/env';
import { ensureRedis, RedisUnavailableError } from './config/local-redis';
import { installLeanAsyncResourceBind } from './http/async-resource-bind';
import { redactUrlsIn } from './config/redact-url';
import { inspect } from 'node:util';
import { tracingState } from './telemetry/tracing-state';

async function startHttp(config: AppConfig): Promise<INestApplicationContext> {
  // Loaded here, not at the top: a worker serves no HTTP and starts without Fastify.
  const { createHttpAdapter, setupHttp } = await import('./http/setup-http');
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRole(config),
    await createHttpAdapter(config),
    { bufferLogs: true, bodyParser: false },
  );
  app.useLogger(app.get(Logger));
  await setupHttp(app, config);
  closeOnSignals(app, config);
  await app.listen(config.port, config.host);
  // The port bound, which PORT=0 leaves to the system: whoever started the process reads it here.
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app
    .get(Logger)
    .log(
      `Conveyor (${config.role}) listening on http://${config.host}:${port} (AUTH_MODE=${config.auth.mode})`,
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
      app
        .close()
        // The last spans are still in the batch: send them before exiting.
        .then(() => tracingState.shutdown())
        .then(
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
  // Before the first request: every request's objects are otherwise kept to the old generation.
  installLeanAsyncResourceBind();
  const say = (message: string): void =>
    console.error(JSON.stringify({ level: 'info', msg: message }));
  try {
    const config = await ensureRedis(new AppConfig(validateEnv(process.env)), say);
    await (servesHttp(config.role) ? startHttp(config) : startWorker(config));
  } catch (error) {
    if (error instanceof EnvValidationError || error instanceof RedisUnavailableError) {
      console.error(error.message);
    } else {
      // A driver's error may quote the URL it was given (Node's "Invalid URL" does), password and all.
      console.error(redactUrlsIn(inspect(error)));
    }
    process.exit(1);
  }
}

void bootstrap();
