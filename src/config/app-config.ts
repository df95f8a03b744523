import { resolve } from 'node:path';
import { AppRole } from './app-role';
import { Env } from './env';
import { TaskType } from '../database/task-type';

export interface RedisSettings {
  url: string;
  /** True when the URL came from the default rather than REDIS_URL. */
  isDefault: boolean;
}

/** Typed settings, built once from the validated environment and injected everywhere. */
export class AppConfig {
  readonly role: AppRole;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database:
    { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; schema: string };
  readonly redis: RedisSettings;
  readonly queuePrefix: string;
  readonly concurrency: Record<TaskType, number>;
  readonly smtpUrl?: string;
  readonly mailFrom: string;
  readonly logLevel: string;
  readonly corsOrigins: string[] | '*';
  readonly progressIntervalMs: number;
  readonly shutdownGraceMs: number;

  constructor(env: Env) {
    this.role = env.APP_ROLE;
    this.host = env.HOST;
    this.port = env.PORT;
    this.dataDir = resolve(env.DATA_DIR);
    this.database = env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA }
      : { kind: 'sqlite', path: resolve(this.dataDir, 'conveyor.sqlite') };
    this.redis = {
      url: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      isDefault: env.REDIS_URL === undefined,
    };
    this.queuePrefix = env.QUEUE_PREFIX;
    this.concurrency = {
      csv_processing: env.CSV_CONCURRENCY,
      email_sending: env.EMAIL_CONCURRENCY,
      image_processing: env.IMAGE_CONCURRENCY,
    };
    this.smtpUrl = env.SMTP_URL;
    this.mailFrom = env.MAIL_FROM;
    this.logLevel = env.LOG_LEVEL;
    const origins = env.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    this.corsOrigins = origins.length === 0 || origins.includes('*') ? '*' : origins;
    this.progressIntervalMs = env.PROGRESS_INTERVAL_MS;
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
  }

  /** The same settings with Redis pointed elsewhere (used when a private Redis was started). */
  withRedisUrl(url: string): AppConfig {
    const copy = Object.create(AppConfig.prototype) as AppConfig;
    return Object.assign(copy, this, { redis: { url, isDefault: false } });
  }
}
