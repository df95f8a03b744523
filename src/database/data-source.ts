import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditEntry } from '../audit/audit-entry.entity';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { ApiKey } from '../keys/api-key.entity';
import { Schedule } from '../schedules/schedule.entity';
import { ListenedPgClient } from './listened-pg-client';
import { PreparingPgClient } from './preparing-pg-client';
import { MIGRATIONS } from './migrations';
import { EmailDelivery } from './email-delivery.entity';
import { StoredFile } from './stored-file.entity';
import { Task } from './task.entity';
import { TaskLogLine } from '../task-logs/task-log.entity';
import { Webhook } from '../webhooks/webhook.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { TaskRemoval } from '../retention/task-removal.entity';
import { PendingUpload } from '../files/pending-upload.entity';

/**
 * A task's writes touch a dozen index pages; checkpointing every 1,000 WAL pages (the default)
 * copied and fsynced them back every few dozen commits. 10,000 pages (~40 MB of WAL) measured 6 %
 * more tasks/s and 0.1 ms less CPU per task in each process. The service checkpoints from a
 * thread instead (wal-checkpointer.service.ts); this is what a connection does without it.
 */
export const SQLITE_AUTOCHECKPOINT_PAGES = 10_000;

export const ENTITIES = [
  Task,
  EmailDelivery,
  StoredFile,
  ApiKey,
  AuditEntry,
  IdempotencyKey,
  Schedule,
  TaskLogLine,
  Webhook,
  WebhookDelivery,
  TaskRemoval,
  PendingUpload,
];

/**
 * The DataSource options for both the running service and the TypeORM CLI (ormconfig.ts).
 * Schema changes come only from migrations, applied at start; synchronize stays off.
 */
export function buildDataSourceOptions(
  config: AppConfig,
  { runMigrations = true } = {},
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: runMigrations,
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
  } as const;
  if (config.database.kind === 'postgres') {
    const { url, schema, poolSize, connectTimeoutMs, preparedStatements } = config.database;
    return {
      ...common,
      type: 'postgres',
      url,
      schema,
      // Names each session in pg_stat_activity by role and schema, so an operator (or the
      // fault tests) can tell this service's connections from others on the same server.
      applicationName: `conveyor ${config.role} ${schema}`.slice(0, 63),
      extra: {
        // The pool makes its clients from this class (see both for why).
        Client: preparedStatements ? PreparingPgClient : ListenedPgClient,
        max: poolSize,
        // Bounds both the wait for a free pooled connection and a new connection's setup.
        connectionTimeoutMillis: connectTimeoutMs,
        // A peer that vanished without closing the socket (a failover, a dropped NAT entry)
        // is found by TCP probes from 10 s of silence on, then at the OS's probe interval,
        // instead of the OS's default first probe after 2 hours.
        keepAlive: true,
        keepAliveInitialDelayMillis: 10_000,
        // search_path makes the unqualified names in migrations land in the configured schema.
        options: `-c search_path=${schema}`,
      },
    };
  }
  mkdirSync(dirname(config.database.path), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.path,
    // WAL lets readers run beside the single writer; the busy timeout waits out another
    // process's write lock instead of failing with "database is locked". better-sqlite3 waits
    // synchronously, blocking the event loop; a shorter SQLITE_BUSY_TIMEOUT_MS leaves more of
    // the wait to the asynchronous retries of sql-retry.ts, which keep the process responsive.
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma(`busy_timeout = ${config.sqliteBusyTimeoutMs}`);
      db.pragma('synchronous = NORMAL');
      db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    },
  };
}

/** Creates the PostgreSQL schema if it is missing, so a fresh schema per test run just works. */
export async function ensureSchema(config: AppConfig): Promise<void> {
  if (config.database.kind !== 'postgres' || config.database.schema === 'public') return;
  const bootstrap = new DataSource({ type: 'postgres', url: config.database.url });
  await bootstrap.initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${config.database.schema}"`);
  } finally {
    await bootstrap.destroy();
  }
}
