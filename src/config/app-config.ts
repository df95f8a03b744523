import { resolve } from 'node:path';
import { AppRole } from './app-role';
import { AuthMode, Env, TestFault } from './env';
import { isLoopbackHost } from './loopback-host';
import { TaskType } from '../core/task-type';
import { SqlRetryPolicy } from './sql-retry-policy';
import { parseS3Url, StorageSettings } from '../storage/storage-settings';

export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials and TLS of the data nodes of a cluster or behind Sentinel. */
export interface RedisNodeAuth {
  username?: string;
  password?: string;
  tls: boolean;
}

/** Which Redis to use (§12): one node, a cluster, or a master found through Sentinel. */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; auth: RedisNodeAuth }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      auth: RedisNodeAuth;
      sentinelPassword?: string;
    };

export interface RedisSettings {
  /** REDIS_URL, or the default; only read when the topology is a single node. */
  url: string;
  /** True when the URL came from the default rather than REDIS_URL. */
  isDefault: boolean;
  topology: RedisTopology;
}

/** How messages are sent to SMTP_URL. */
export interface SmtpSettings {
  /** Pooled connections, and so the most messages this process sends at once (to the outbox too). */
  maxConnections: number;
  /** Messages per second across every worker process (counted in Redis); 0 means no limit. */
  ratePerSecond: number;
  tlsRejectUnauthorized: boolean;
  requireTls: boolean;
  /** Tries per message when the server answers 4xx or the connection fails. */
  retryAttempts: number;
  /** Wait before the first retry; it doubles for each next one. */
  retryDelayMs: number;
}

export interface LimitSettings {
  ratePerMinute: number;
  authFailuresPerMinute: number;
  quotaActiveTasks: number;
  quotaStorageBytes: number;
  quotaEmailsPerDay: number;
  /** Most tasks one bulk cancel or retry may match. */
  bulkMaxTasks: number;
  sse: { maxClients: number; maxClientsPerKey: number; heartbeatMs: number; bufferBytes: number };
}

const commaList = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** host:port pairs from a validated list; an IPv6 address loses its brackets. */
export const redisNodesOf = (list: string): RedisNode[] =>
  commaList(list).map((item) => {
    const colon = item.lastIndexOf(':');
    return {
      host: item.slice(0, colon).replace(/^\[|\]$/g, ''),
      port: Number(item.slice(colon + 1)),
    };
  });

/**
 * In a cluster every key Conveyor uses must hash to one slot (BullMQ's scripts and our MULTIs
 * touch several keys at once), so a prefix without a {hash tag} gets one around it.
 */
export const clusterSafePrefix = (prefix: string): string =>
  /\{[^{}]+\}/.test(prefix) ? prefix : `{${prefix}}`;

function redisSettingsOf(env: Env): RedisSettings {
  const url = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const isDefault =
    env.REDIS_URL === undefined &&
    env.REDIS_CLUSTER_NODES === undefined &&
    env.REDIS_SENTINELS === undefined;
  const auth: RedisNodeAuth = {
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    tls: env.REDIS_TLS,
  };
  if (env.REDIS_CLUSTER_NODES) {
    return {
      url,
      isDefault,
      topology: { kind: 'cluster', nodes: redisNodesOf(env.REDIS_CLUSTER_NODES), auth },
    };
  }
  if (env.REDIS_SENTINELS && env.REDIS_SENTINEL_NAME) {
    return {
      url,
      isDefault,
      topology: {
        kind: 'sentinel',
        sentinels: redisNodesOf(env.REDIS_SENTINELS),
        name: env.REDIS_SENTINEL_NAME,
        auth,
        sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      },
    };
  }
  return { url, isDefault, topology: { kind: 'single', url } };
}

/** How long slow clients may hold a connection, and how many connections there may be. */
export interface HttpLimits {
  headersTimeoutMs: number;
  /** From the end of the headers to the end of a request body other than an upload. */
  bodyTimeoutMs: number;
  /** Longest pause within an upload. */
  uploadIdleTimeoutMs: number;
  maxConnections: number;
  /** Whether X-Forwarded-* (and so HTTPS behind a proxy) is believed: Fastify's `trustProxy`. */
  trustProxy: boolean | number;
}

export interface WebhookSettings {
  /** Deliver to private, loopback and other non-public addresses too. */
  allowPrivate: boolean;
  /** Encrypts stored secrets when set. */
  secretKey?: string;
  attempts: number;
  /** From the first try to the last. */
  retryWindowMs: number;
  timeoutMs: number;
}

/** Typed settings, built once from the validated environment and injected everywhere. */
export class AppConfig {
  readonly role: AppRole;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Where uploads, outputs and the outbox are kept: DATA_DIR, or a bucket (STORAGE_URL). */
  readonly storage: StorageSettings;
  readonly database:
    | { kind: 'sqlite'; path: string }
    | {
        kind: 'postgres';
        url: string;
        schema: string;
        poolSize: number;
        connectTimeoutMs: number;
        preparedStatements: boolean;
      };
  readonly redis: RedisSettings;
  readonly queuePrefix: string;
  readonly concurrency: Record<TaskType, number>;
  /** Task starts per second of each type across all workers; undefined means no limit. */
  readonly ratePerSecond: Record<TaskType, number | undefined>;
  /** Unset: messages are stored in the outbox (DATA_DIR/outbox or the bucket) instead. */
  readonly smtpUrl?: string;
  readonly smtp: SmtpSettings;
  readonly mailFrom: string;
  /** Who a task may send as (MAIL_FROM and MAIL_FROM_ALLOWED) and to (MAIL_RECIPIENT_DOMAINS). */
  readonly mail: { mailFrom: string; mailFromAllowed: string[]; recipientDomains: string[] };
  readonly logLevel: string;
  /** Origins allowed cross-origin; an empty list means the same origin only. */
  readonly corsOrigins: string[] | '*';
  /** Who may call the API (§7); the admin key, when set, is only ever compared by hash. */
  readonly auth: { mode: AuthMode; adminApiKey?: string; sessionTtlMs: number };
  /** A bearer token for GET /api/metrics alone (a scraper's), compared in constant time. */
  readonly metricsToken?: string;
  readonly auditRetentionMs: number;
  readonly progressIntervalMs: number;
  readonly shutdownGraceMs: number;
  /** Automatic retries of transient failures: tries per type, and the first backoff (doubling). */
  readonly retries: { attempts: Record<TaskType, number>; backoffMs: number };
  /** Status, progress, submit and cancel writes that hit a transient SQL error are retried so. */
  readonly sqlRetry: SqlRetryPolicy;
  /** How long a SQLite statement waits for another connection's write lock before SQLITE_BUSY. */
  readonly sqliteBusyTimeoutMs: number;
  /** Idle time after which a grown heap is collected (HEAP_RELEASE_IDLE_MS); 0: never. */
  readonly heapReleaseIdleMs: number;
  /** Test-only fault point (CONVEYOR_TEST_FAULT). */
  readonly testFault?: TestFault;
  /** The default timeout of each type, and how long a stopped run gets before a forced stop. */
  readonly timeouts: { seconds: Record<TaskType, number>; graceMs: number };
  /** How long a worker process stays listed after its last heartbeat. */
  readonly workerHeartbeatTtlMs: number;
  /** How often an API instance looks for due schedules. */
  readonly schedulePollMs: number;
  readonly uploads: { maxCsvBytes: number; maxImageBytes: number; retentionMs: number };
  /** Finished tasks older than `maxAgeMs` are deleted every `sweepMs`; maxAgeMs 0 keeps them. */
  readonly taskRetention: { maxAgeMs: number; sweepMs: number };
  /** What one client may use (§8): requests, per-project quotas, event streams. */
  readonly limits: LimitSettings;
  /** A CSV with more columns fails its task. */
  readonly csvMaxColumns: number;
  readonly http: HttpLimits;
  /** Webhook deliveries (§11). */
  readonly webhooks: WebhookSettings;

  constructor(env: Env) {
    this.role = env.APP_ROLE;
    this.host = env.HOST;
    this.port = env.PORT;
    this.dataDir = resolve(env.DATA_DIR);
    this.storage = env.STORAGE_URL
      ? {
          kind: 's3',
          ...parseS3Url(env.STORAGE_URL),
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          credentials:
            env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
              : undefined,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          maxObjectBytes: Math.max(env.UPLOAD_MAX_CSV_BYTES, env.UPLOAD_MAX_IMAGE_BYTES),
        }
      : { kind: 'local', root: this.dataDir };
    this.database = env.DATABASE_URL
      ? {
          kind: 'postgres',
          url: env.DATABASE_URL,
          schema: env.DATABASE_SCHEMA,
          poolSize: env.DATABASE_POOL_SIZE,
          connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
          preparedStatements: env.DATABASE_PREPARED_STATEMENTS,
        }
      : { kind: 'sqlite', path: resolve(this.dataDir, 'conveyor.sqlite') };
    this.redis = redisSettingsOf(env);
    this.queuePrefix =
      this.redis.topology.kind === 'cluster'
        ? clusterSafePrefix(env.QUEUE_PREFIX)
        : env.QUEUE_PREFIX;
    this.concurrency = {
      csv_processing: env.CSV_CONCURRENCY,
      email_sending: env.EMAIL_CONCURRENCY,
      image_processing: env.IMAGE_CONCURRENCY,
    };
    this.ratePerSecond = {
      csv_processing: env.RATE_CSV_PER_SECOND,
      email_sending: env.RATE_EMAIL_PER_SECOND,
      image_processing: env.RATE_IMAGE_PER_SECOND,
    };
    this.smtpUrl = env.SMTP_URL;
    this.smtp = {
      maxConnections: env.SMTP_MAX_CONNECTIONS,
      ratePerSecond: env.SMTP_RATE_PER_SECOND,
      tlsRejectUnauthorized: env.SMTP_TLS_REJECT_UNAUTHORIZED,
      requireTls: env.SMTP_REQUIRE_TLS,
      retryAttempts: env.SMTP_RETRY_ATTEMPTS,
      retryDelayMs: env.SMTP_RETRY_DELAY_MS,
    };
    this.mailFrom = env.MAIL_FROM;
    this.mail = {
      mailFrom: env.MAIL_FROM,
      mailFromAllowed: commaList(env.MAIL_FROM_ALLOWED),
      recipientDomains: commaList(env.MAIL_RECIPIENT_DOMAINS),
    };
    this.logLevel = env.LOG_LEVEL;
    const origins = commaList(env.CORS_ORIGINS);
    this.corsOrigins = origins.includes('*') ? '*' : origins;
    this.auth = {
      mode: env.AUTH_MODE ?? (isLoopbackHost(env.HOST) ? 'open' : 'keys'),
      adminApiKey: env.ADMIN_API_KEY,
      sessionTtlMs: env.SESSION_TTL_HOURS * 3_600_000,
    };
    this.metricsToken = env.METRICS_TOKEN;
    this.auditRetentionMs = env.AUDIT_RETENTION_DAYS * 86_400_000;
    this.progressIntervalMs = env.PROGRESS_INTERVAL_MS;
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
    this.retries = {
      attempts: {
        csv_processing: env.CSV_ATTEMPTS,
        email_sending: env.EMAIL_ATTEMPTS,
        image_processing: env.IMAGE_ATTEMPTS,
      },
      backoffMs: env.RETRY_BACKOFF_MS,
    };
    this.sqlRetry = { attempts: env.SQL_RETRY_ATTEMPTS, delayMs: env.SQL_RETRY_DELAY_MS };
    this.sqliteBusyTimeoutMs = env.SQLITE_BUSY_TIMEOUT_MS;
    this.heapReleaseIdleMs = env.HEAP_RELEASE_IDLE_MS;
    this.testFault = env.CONVEYOR_TEST_FAULT;
    this.timeouts = {
      seconds: {
        csv_processing: env.TIMEOUT_CSV_SECONDS,
        email_sending: env.TIMEOUT_EMAIL_SECONDS,
        image_processing: env.TIMEOUT_IMAGE_SECONDS,
      },
      graceMs: env.TIMEOUT_GRACE_MS,
    };
    this.workerHeartbeatTtlMs = env.WORKER_HEARTBEAT_TTL_SECONDS * 1000;
    this.schedulePollMs = env.SCHEDULE_POLL_MS;
    this.uploads = {
      maxCsvBytes: env.UPLOAD_MAX_CSV_BYTES,
      maxImageBytes: env.UPLOAD_MAX_IMAGE_BYTES,
      retentionMs: env.FILE_RETENTION_SECONDS * 1000,
    };
    this.taskRetention = {
      maxAgeMs: Math.round(env.RETENTION_DAYS * 86_400_000),
      sweepMs: env.RETENTION_SWEEP_SECONDS * 1000,
    };
    this.limits = {
      ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
      authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
      quotaActiveTasks: env.QUOTA_ACTIVE_TASKS,
      quotaStorageBytes: env.QUOTA_STORAGE_BYTES,
      quotaEmailsPerDay: env.QUOTA_EMAILS_PER_DAY,
      bulkMaxTasks: env.BULK_MAX_TASKS,
      sse: {
        maxClients: env.SSE_MAX_CLIENTS,
        maxClientsPerKey: env.SSE_MAX_CLIENTS_PER_KEY,
        heartbeatMs: env.SSE_HEARTBEAT_MS,
        bufferBytes: env.SSE_BUFFER_BYTES,
      },
    };
    this.csvMaxColumns = env.CSV_MAX_COLUMNS;
    this.http = {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: env.HTTP_BODY_TIMEOUT_MS,
      uploadIdleTimeoutMs: env.UPLOAD_IDLE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
      trustProxy: env.TRUST_PROXY,
    };
    this.webhooks = {
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
      secretKey: env.WEBHOOK_SECRET_KEY,
      attempts: env.WEBHOOK_ATTEMPTS,
      retryWindowMs: env.WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    };
  }

  /** The same settings with Redis pointed elsewhere (used when a private Redis was started). */
  withRedisUrl(url: string): AppConfig {
    const copy = Object.create(AppConfig.prototype) as AppConfig;
    const redis: RedisSettings = { url, isDefault: false, topology: { kind: 'single', url } };
    return Object.assign(copy, this, { redis });
  }
}
