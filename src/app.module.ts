import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { AppConfig } from './config/app-config';
import { runsWorkers, servesHttp } from './config/app-role';
import { isHealthProbe } from './health/health-paths';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { FilesModule } from './files/files.module';
import { IdleHeapRelease } from './health/idle-heap-release.service';
import { EventLoopMonitor } from './health/event-loop-monitor.service';
import { HealthModule } from './health/health.module';
import { LimitsModule } from './limits/limits.module';
import { MetricsModule } from './metrics/metrics.module';
import { KeysModule } from './keys/keys.module';
import { QueueModule } from './queue/queue.module';
import { QueuesModule } from './queues/queues.module';
import { SchedulesModule } from './schedules/schedules.module';
import { DetailExceptionFilter } from './http/detail-exception.filter';
import { REQUEST_LOG_SERIALIZERS } from './http/request-log';
import { RetentionModule } from './retention/retention.module';
import { TaskLogsModule } from './task-logs/task-logs.module';
import { TasksModule } from './tasks/tasks.module';
import { WorkersModule } from './workers/workers.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The role decides which modules load; nothing else branches on it. */
@Module({})
export class AppModule {
  static forRole(config: AppConfig): DynamicModule {
    const http = servesHttp(config.role);
    const workers = runsWorkers(config.role);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { role: config.role },
            autoLogging: { ignore: (request) => isHealthProbe(request.url) },
            // Lean access lines: credentials never reach a log line, nor does any other header
            // (the id a request is logged under is req.id).
            serializers: REQUEST_LOG_SERIALIZERS,
            wrapSerializers: false,
            // A refused request is the client's to fix: a warning with its status, no stack.
            customLogLevel: (_request, response, error) =>
              error || response.statusCode >= 500
                ? 'error'
                : response.statusCode >= 400
                  ? 'warn'
                  : 'info',
          },
        }),
        DatabaseModule.forRoot(),
        EventsModule.forRoot({ http }),
        MetricsModule.forRoot({ http }),
        TaskLogsModule.forRoot({ http, workers }),
        FilesModule.forRoot({ http }),
        workers ? QueueModule.forWorker({ recovery: http }) : QueueModule.forProducer(),
        WebhooksModule.forRole({ http, workers }),
        ...(http
          ? [
              AuthModule,
              // After AuthModule: its guard runs after authentication, so it counts per key.
              LimitsModule,
              AuditModule,
              KeysModule,
              TasksModule,
              WorkersModule,
              QueuesModule,
              SchedulesModule,
              HealthModule,
              RetentionModule,
            ]
          : []),
      ],
      providers: [
        EventLoopMonitor,
        IdleHeapRelease,
        ...(http ? [{ provide: APP_FILTER, useClass: DetailExceptionFilter }] : []),
      ],
    };
  }
}
