import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
  ValidateBy,
  ValidationArguments,
  ValidationError,
} from 'class-validator';
import { APP_ROLES, AppRole } from './app-role';
import { redactUrl } from './redact-url';
import { isLoopbackHost } from './loopback-host';

export const AUTH_MODES = ['open', 'keys'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(word)) return true;
  if (['false', '0', 'no'].includes(word)) return false;
  return value;
};

/** false, true or a hop count, as Fastify's `trustProxy` takes them. */
const toTrustProxy = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  // A number is a count of proxies here (1 is one proxy, not "true"); 0 trusts none.
  if (/^\d{1,3}$/.test(word)) return Number(word) === 0 ? false : Number(word);
  if (['true', 'yes'].includes(word)) return true;
  if (['false', 'no'].includes(word)) return false;
  return value;
};

/** An integer setting from `min` to `max`; the message names the variable and the range. */
const IntEnv = (min: number, max: number): PropertyDecorator => {
  const message = ({ property }: ValidationArguments): string =>
    `${property} must be an integer from ${min} to ${max}`;
  return applyDecorators(
    Transform(toInt),
    IsInt({ message }),
    Min(min, { message }),
    Max(max, { message }),
  );
};

/** host:port, host:port… (an IPv6 address in brackets: [::1]:6379). */
const HOST_PORT_LIST =
  /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}\s*)*$/;

const ENCODE_HINT =
  'percent-encode special characters in the user name and password (/ as %2F, @ as %40, space as %20)';

/**
 * A URL that the URL parser reads as it was meant: an unencoded `/`, `?` or `#` in a password
 * ends the host early or moves the rest of the password into the path, where drivers would
 * send or print it.
 */
function parsesAsServiceUrl(value: unknown): boolean {
  if (typeof value !== 'string' || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' && !`${url.pathname}${url.search}${url.hash}`.includes('@');
  } catch {
    return false;
  }
}

const ServiceUrl = (message: string): PropertyDecorator =>
  ValidateBy({
    name: 'serviceUrl',
    validator: { validate: parsesAsServiceUrl, defaultMessage: () => `${message}; ${ENCODE_HINT}` },
  });

/** An optional rate from 0.001 to 10000 per second; empty or unset means no limit. */
const RateEnv = (name: string): PropertyDecorator => {
  const message = `${name} must be a number of task starts per second from 0.001 to 10000, or unset for no limit`;
  return applyDecorators(
    Transform(({ value }) => toNumber({ value: emptyToUndefined({ value }) })),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }, { message }),
    Min(0.001, { message }),
    Max(10000, { message }),
  );
};

/** Where the reliability tests may make a process kill itself (CONVEYOR_TEST_FAULT). */
const TEST_FAULTS = [
  'exit-after-insert',
  'deaf-threads',
  'exit-after-schedule-claim',
  'exit-after-schedule-submit',
] as const;
export type TestFault = (typeof TEST_FAULTS)[number];

/**
 * Every environment variable Conveyor reads, with its default and what it accepts.
 * The messages are what an operator sees when a value is wrong, so each names what is allowed.
 */
export class Env {
  @IsIn(APP_ROLES, { message: 'APP_ROLE must be one of: api, worker, all' })
  APP_ROLE: AppRole = 'all';

  @IsString()
  @MaxLength(255)
  // An empty host would make the server listen on every interface.
  @IsNotEmpty({ message: 'HOST must be a host name or IP address to listen on, e.g. 127.0.0.1' })
  HOST = '127.0.0.1';

  @IntEnv(0, 65535)
  PORT = 3000;

  @IsString()
  DATA_DIR = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, {
    message:
      'DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db) or unset for SQLite',
  })
  @ServiceUrl('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db)')
  DATABASE_URL?: string;

  /** Unset: uploads, outputs and the outbox live under DATA_DIR (§12). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s?#\\]*)?$/, {
    message:
      'STORAGE_URL must be s3://bucket or s3://bucket/prefix (a lower-case S3 bucket name), or unset for the local disk under DATA_DIR',
  })
  STORAGE_URL?: string;

  /** Unset: AWS itself; a self-hosted S3-compatible server's URL otherwise. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#@]+\/?$/, {
    message: 'S3_ENDPOINT must be an http(s) URL without a path, such as http://127.0.0.1:9000',
  })
  S3_ENDPOINT?: string;

  @Matches(/^[a-z0-9-]{1,32}$/, {
    message: 'S3_REGION must be a region name such as us-east-1',
  })
  S3_REGION = 'us-east-1';

  /** Unset with the secret: the SDK's default credentials (instance or pod role, profile). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,128}$/, {
    message: 'S3_ACCESS_KEY_ID must be 1 to 128 printable characters without spaces',
  })
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,256}$/, {
    message: 'S3_SECRET_ACCESS_KEY must be 1 to 256 printable characters without spaces',
  })
  S3_SECRET_ACCESS_KEY?: string;

  /** Bucket in the path (http://host/bucket/key), as most self-hosted servers want. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'S3_FORCE_PATH_STYLE must be true or false' })
  S3_FORCE_PATH_STYLE = false;

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DATABASE_SCHEMA must be a lower-case PostgreSQL identifier (letters, digits, _)',
  })
  DATABASE_SCHEMA = 'public';

  @Transform(emptyToUndefined)
  @IsOptional()
  // A database number, if any, is all the path may hold; query options are not read.
  @Matches(/^rediss?:\/\/[^\s/?#]+(\/\d*)?$/, {
    message: `REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS); ${ENCODE_HINT}`,
  })
  REDIS_URL?: string;

  /** A Redis Cluster: any reachable subset of its masters, as host:port,host:port… (§12). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HOST_PORT_LIST, {
    message:
      'REDIS_CLUSTER_NODES must be a comma-separated list of host:port, e.g. redis-1:6379,redis-2:6379',
  })
  REDIS_CLUSTER_NODES?: string;

  /** Redis behind Sentinel: the sentinels as host:port,… and the name of the master they watch. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(HOST_PORT_LIST, {
    message:
      'REDIS_SENTINELS must be a comma-separated list of host:port, e.g. sentinel-1:26379,sentinel-2:26379',
  })
  REDIS_SENTINELS?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, {
    message: 'REDIS_SENTINEL_NAME must be the master name the sentinels watch, e.g. mymaster',
  })
  REDIS_SENTINEL_NAME?: string;

  /**
   * Credentials and TLS of the data nodes with REDIS_CLUSTER_NODES or REDIS_SENTINELS (a
   * REDIS_URL carries its own); REDIS_SENTINEL_PASSWORD is the sentinels' own, if they have one.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,256}$/, {
    message: 'REDIS_USERNAME must be 1 to 256 printable characters without spaces',
  })
  REDIS_USERNAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,512}$/, {
    message: 'REDIS_PASSWORD must be 1 to 512 printable characters without spaces',
  })
  REDIS_PASSWORD?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,512}$/, {
    message: 'REDIS_SENTINEL_PASSWORD must be 1 to 512 printable characters without spaces',
  })
  REDIS_SENTINEL_PASSWORD?: string;

  @Transform(toBoolean)
  @IsBoolean({ message: 'REDIS_TLS must be true or false' })
  REDIS_TLS = false;

  @Matches(/^[A-Za-z0-9_{}-]{1,64}$/, {
    message: 'QUEUE_PREFIX must be 1-64 characters of letters, digits, _, -, { or }',
  })
  QUEUE_PREFIX = 'conveyor';

  @IntEnv(1, 64)
  // Small CSV jobs wait on Redis and SQL more than they compute: at 2 in flight a worker fell
  // behind the submissions of one API, at 4 it kept up. Each large file adds ~15 MB while parsed.
  CSV_CONCURRENCY = 4;

  @IntEnv(1, 64)
  EMAIL_CONCURRENCY = 4;

  // Each column costs its own statistics; 80,000 of them once took a worker 1.2 GB.
  @IntEnv(1, 20_000)
  CSV_MAX_COLUMNS = 2000;

  @IntEnv(1, 64)
  IMAGE_CONCURRENCY = 2;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s]+$/, {
    message:
      'SMTP_URL must be an SMTP URL such as smtp://user:pass@mail.example.com:587 (smtps:// for TLS)',
  })
  @ServiceUrl('SMTP_URL must be an SMTP URL such as smtp://user:pass@mail.example.com:587')
  SMTP_URL?: string;

  @IsString()
  @Matches(/^[^\r\n]+$/, {
    message: 'MAIL_FROM must be one line, e.g. "Conveyor <noreply@example.com>"',
  })
  MAIL_FROM = 'Conveyor <conveyor@localhost>';

  // Without these, a task could send as anyone to anyone: an open mail relay.
  @Matches(/^\s*([^\s,<>"@]+@[^\s,<>"@]+\s*(,\s*|$))*$/, {
    message:
      'MAIL_FROM_ALLOWED must be a comma-separated list of e-mail addresses a task may send from, besides MAIL_FROM',
  })
  MAIL_FROM_ALLOWED = '';

  @Matches(/^\s*([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\s*(,\s*|$))*$/, {
    message:
      'MAIL_RECIPIENT_DOMAINS must be a comma-separated list of domains (example.com) recipients must be at, or empty for any',
  })
  MAIL_RECIPIENT_DOMAINS = '';

  @IntEnv(1, 100)
  SMTP_MAX_CONNECTIONS = 5;

  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'SMTP_RATE_PER_SECOND must be a number from 0 (no limit) to 10000' },
  )
  @Min(0, { message: 'SMTP_RATE_PER_SECOND must be a number from 0 (no limit) to 10000' })
  @Max(10000, { message: 'SMTP_RATE_PER_SECOND must be a number from 0 (no limit) to 10000' })
  SMTP_RATE_PER_SECOND = 0;

  /** Task starts per second of each type across all workers (§9); unset means no limit. */
  @RateEnv('RATE_CSV_PER_SECOND')
  RATE_CSV_PER_SECOND?: number;

  @RateEnv('RATE_EMAIL_PER_SECOND')
  RATE_EMAIL_PER_SECOND?: number;

  @RateEnv('RATE_IMAGE_PER_SECOND')
  RATE_IMAGE_PER_SECOND?: number;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SMTP_TLS_REJECT_UNAUTHORIZED must be true or false' })
  SMTP_TLS_REJECT_UNAUTHORIZED = true;

  @Transform(toBoolean)
  @IsBoolean({ message: 'SMTP_REQUIRE_TLS must be true or false' })
  SMTP_REQUIRE_TLS = false;

  @IntEnv(1, 10)
  SMTP_RETRY_ATTEMPTS = 4;

  @IntEnv(0, 600000)
  SMTP_RETRY_DELAY_MS = 1000;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of: ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Comma list of origins allowed cross-origin; empty means the same origin only. */
  @IsString()
  CORS_ORIGINS = '';

  /** open: no key asked (loopback HOST only, and then the default); keys: every request needs one. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(AUTH_MODES, { message: 'AUTH_MODE must be open or keys' })
  AUTH_MODE?: AuthMode;

  /** Accepted as an admin key for all projects, for provisioning; never stored. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message:
      'ADMIN_API_KEY must be 32 to 256 printable characters without spaces; generate one with: openssl rand -base64 32',
  })
  ADMIN_API_KEY?: string;

  /** A bearer token that may read GET /api/metrics alone, for a Prometheus scraper; never stored. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message:
      'METRICS_TOKEN must be 32 to 256 printable characters without spaces; generate one with: openssl rand -base64 32',
  })
  METRICS_TOKEN?: string;

  @Transform(toInt)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be an integer from 1 to 36500' })
  @Min(1, { message: 'AUDIT_RETENTION_DAYS must be an integer from 1 to 36500' })
  @Max(36_500, { message: 'AUDIT_RETENTION_DAYS must be an integer from 1 to 36500' })
  AUDIT_RETENTION_DAYS = 90;

  @Transform(toInt)
  @IsInt({ message: 'SESSION_TTL_HOURS must be an integer from 1 to 720' })
  @Min(1, { message: 'SESSION_TTL_HOURS must be an integer from 1 to 720' })
  @Max(720, { message: 'SESSION_TTL_HOURS must be an integer from 1 to 720' })
  SESSION_TTL_HOURS = 12;

  @IntEnv(50, 60000)
  PROGRESS_INTERVAL_MS = 300;

  @IntEnv(0, 3600000)
  SHUTDOWN_GRACE_MS = 30000;

  @IntEnv(1, 1024 ** 4)
  UPLOAD_MAX_CSV_BYTES = 1024 ** 3;

  @IntEnv(1, 1024 ** 3)
  UPLOAD_MAX_IMAGE_BYTES = 50 * 1024 ** 2;

  @IntEnv(1, 315_360_000)
  FILE_RETENTION_SECONDS = 86_400;

  /** Finished tasks older than this many days are deleted with their files; 0 keeps them. */
  @Transform(toNumber)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    {
      message:
        'RETENTION_DAYS must be a number of days from 0 to 36500 (0 keeps finished tasks forever)',
    },
  )
  @Min(0, {
    message:
      'RETENTION_DAYS must be a number of days from 0 to 36500 (0 keeps finished tasks forever)',
  })
  @Max(36_500, {
    message:
      'RETENTION_DAYS must be a number of days from 0 to 36500 (0 keeps finished tasks forever)',
  })
  RETENTION_DAYS = 30;

  @IntEnv(1, 86_400)
  RETENTION_SWEEP_SECONDS = 300;

  @IntEnv(1, 20)
  CSV_ATTEMPTS = 3;

  @IntEnv(1, 20)
  EMAIL_ATTEMPTS = 5;

  @IntEnv(1, 20)
  IMAGE_ATTEMPTS = 3;

  /** A task of each type runs at most this long unless its submit says otherwise (§9). */
  @IntEnv(1, 86_400)
  TIMEOUT_CSV_SECONDS = 3600;

  @IntEnv(1, 86_400)
  TIMEOUT_EMAIL_SECONDS = 3600;

  @IntEnv(1, 86_400)
  TIMEOUT_IMAGE_SECONDS = 3600;

  /** How long a timed-out or cancelled run may take to stop by itself before it is stopped by force. */
  @IntEnv(0, 600_000)
  TIMEOUT_GRACE_MS = 5000;

  @IntEnv(0, 3_600_000)
  RETRY_BACKOFF_MS = 2000;

  @IntEnv(1, 50)
  SQL_RETRY_ATTEMPTS = 8;

  @IntEnv(0, 60_000)
  SQL_RETRY_DELAY_MS = 100;

  @IntEnv(3, 3600)
  // A worker process whose heartbeat is older than this drops out of GET /api/workers.
  WORKER_HEARTBEAT_TTL_SECONDS = 30;

  /** How often each API instance looks for schedules whose tick has come (§9). */
  @IntEnv(100, 60_000)
  SCHEDULE_POLL_MS = 1000;

  /** PostgreSQL connections each process keeps at most. */
  @IntEnv(1, 200)
  DATABASE_POOL_SIZE = 10;

  @IntEnv(100, 600_000)
  // Unbounded (pg's default), a statement that found every pooled connection taken, or a connect
  // the server never answered, waited forever and held its task's worker slot; bounded, it fails
  // as a transient error that the SQL retries and the API's 503 already handle.
  DATABASE_CONNECT_TIMEOUT_MS = 10_000;

  @IntEnv(0, 600_000)
  // Short: better-sqlite3 waits for a lock synchronously, holding up the whole process, while
  // sql-retry.ts waits between tries asynchronously. With 10 s, a write lock held 2 s by another
  // connection blocked each process's event loop for 2.1-2.8 s; with 50 ms, for none over 1 s.
  SQLITE_BUSY_TIMEOUT_MS = 50;

  /**
   * Idle this long after a busy stretch that grew the heap, a process collects its garbage and
   * gives the memory back (V8 alone may keep it for minutes); 0 leaves it to V8.
   */
  @IntEnv(0, 3_600_000)
  HEAP_RELEASE_IDLE_MS = 10_000;

  /**
   * PostgreSQL: send the per-task statements as named prepared statements. Off for a pooler that
   * cannot carry them across its server sessions (PgBouncer in transaction mode before 1.21).
   */
  @Transform(toBoolean)
  @IsBoolean({ message: 'DATABASE_PREPARED_STATEMENTS must be true or false' })
  DATABASE_PREPARED_STATEMENTS = true;

  /** Requests per minute per key (per client address in open mode); /api/health is exempt. */
  @IntEnv(1, 1_000_000)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** Unknown API keys per minute per client address before it is held back for the minute. */
  @IntEnv(1, 1_000_000)
  AUTH_FAILURES_PER_MINUTE = 60;

  /** Unfinished (PENDING, SCHEDULED or RUNNING) tasks per project. */
  @IntEnv(1, 100_000_000)
  QUOTA_ACTIVE_TASKS = 10_000;

  /** Bytes of uploads per project. */
  @IntEnv(1, 2 ** 50)
  QUOTA_STORAGE_BYTES = 10 * 1024 ** 3;

  /** E-mail recipients per project and UTC day, counted at submit. */
  @IntEnv(1, 100_000_000)
  QUOTA_EMAILS_PER_DAY = 10_000;

  /** Most tasks one POST /api/tasks/cancel or /retry may match; more answers 422. */
  @IntEnv(1, 10_000)
  BULK_MAX_TASKS = 10_000;

  /** Open event streams in all, per API process. */
  @IntEnv(1, 1_000_000)
  SSE_MAX_CLIENTS = 1000;

  /** Open event streams per key (per client address in open mode). */
  @IntEnv(1, 1_000_000)
  SSE_MAX_CLIENTS_PER_KEY = 20;

  /** A comment line on every event stream this often, so that proxies keep it open. */
  @IntEnv(100, 3_600_000)
  SSE_HEARTBEAT_MS = 15_000;

  /** Bytes an event stream may have unsent before the client is dropped as too slow. */
  @IntEnv(1024, 1024 ** 3)
  SSE_BUFFER_BYTES = 1024 ** 2;

  @IntEnv(1000, 300_000)
  // A client that trickles its headers holds a connection; 15 s is plenty for any real one.
  HTTP_HEADERS_TIMEOUT_MS = 15_000;

  @IntEnv(1000, 3_600_000)
  HTTP_BODY_TIMEOUT_MS = 30_000;

  @IntEnv(1000, 3_600_000)
  // Uploads may take long on a slow link; what they may not do is stop sending.
  UPLOAD_IDLE_TIMEOUT_MS = 30_000;

  @IntEnv(10, 1_000_000)
  // Above SSE_MAX_CLIENTS (1000) with room for requests, below a common limit of open files.
  HTTP_MAX_CONNECTIONS = 2000;

  @Transform(toTrustProxy)
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'boolean' || (Number.isInteger(value) && (value as number) >= 1),
      defaultMessage: () =>
        'TRUST_PROXY must be false, true (every proxy) or the number of proxies in front (1, 2…)',
    },
  })
  TRUST_PROXY: boolean | number = false;

  /** Webhooks (§11): deliver to private and loopback addresses too (for a trusted network). */
  @Transform(toBoolean)
  @IsBoolean({ message: 'WEBHOOK_ALLOW_PRIVATE must be true or false' })
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Encrypts webhook secrets at rest (AES-256-GCM); unset stores them as given. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[\x21-\x7e]{32,256}$/, {
    message:
      'WEBHOOK_SECRET_KEY must be 32 to 256 printable characters without spaces; generate one with: openssl rand -base64 32',
  })
  WEBHOOK_SECRET_KEY?: string;

  /** Tries per webhook delivery; the last comes WEBHOOK_RETRY_WINDOW_SECONDS after the first. */
  @IntEnv(1, 30)
  WEBHOOK_ATTEMPTS = 15;

  @IntEnv(1, 7 * 86400)
  WEBHOOK_RETRY_WINDOW_SECONDS = 86400;

  @IntEnv(100, 60000)
  WEBHOOK_TIMEOUT_MS = 10000;

  /** Fault injection for the reliability tests; never set it in production. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(TEST_FAULTS, {
    message: `CONVEYOR_TEST_FAULT must be unset or one of: ${TEST_FAULTS.join(', ')}`,
  })
  CONVEYOR_TEST_FAULT?: TestFault;
}

export class EnvValidationError extends Error {}

/** Hides a URL's password, so that a rejected value can be shown in logs. */
const redact = (value: unknown): unknown => (typeof value === 'string' ? redactUrl(value) : value);

/** Settings whose value is a secret: a rejected one is described, never shown. */
const SECRETS = new Set([
  'ADMIN_API_KEY',
  'METRICS_TOKEN',
  'WEBHOOK_SECRET_KEY',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'S3_SECRET_ACCESS_KEY',
]);

function describe(errors: ValidationError[], raw: Record<string, unknown>): string {
  return errors
    .map((e) => {
      const messages = Object.values(e.constraints ?? {});
      const value = raw[e.property];
      const got = SECRETS.has(e.property)
        ? `${typeof value === 'string' ? value.length : 0} characters`
        : JSON.stringify(redact(value));
      return `${messages[0] ?? `${e.property} is invalid`} (got ${got})`;
    })
    .join('; ');
}

/** The rules that tie settings together (§7: open mode only where no one else can connect). */
function crossCheck(env: Env): string[] {
  const problems: string[] = [];
  const loopback = isLoopbackHost(env.HOST);
  if (env.AUTH_MODE === 'open' && !loopback) {
    problems.push(
      `AUTH_MODE=open is allowed only when HOST is a loopback address, and HOST is ${env.HOST}: use AUTH_MODE=keys (the default there) with ADMIN_API_KEY or a key from "npm run keys -- create"`,
    );
  }
  problems.push(...redisTopologyProblems(env));
  const mode = env.AUTH_MODE ?? (loopback ? 'open' : 'keys');
  if (mode === 'open' && env.CORS_ORIGINS.split(',').some((origin) => origin.trim() === '*')) {
    problems.push('CORS_ORIGINS=* is accepted only with AUTH_MODE=keys; list the origins instead');
  }
  if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
    problems.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither for the default AWS credentials',
    );
  }
  return problems;
}

/** §12: one Redis topology at most (none: the default single node), each with what it needs. */
function redisTopologyProblems(env: Env): string[] {
  const given = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter(
    (name) => env[name] !== undefined,
  );
  if (given.length > 1) {
    return [
      `Set exactly one of REDIS_URL (one node), REDIS_CLUSTER_NODES (a cluster) or REDIS_SENTINELS (Sentinel), not ${given.join(' and ')}`,
    ];
  }
  const problems: string[] = [];
  if (env.REDIS_SENTINELS !== undefined && env.REDIS_SENTINEL_NAME === undefined) {
    problems.push(
      'REDIS_SENTINELS needs REDIS_SENTINEL_NAME, the name of the master the sentinels watch',
    );
  }
  if (env.REDIS_SENTINEL_NAME !== undefined && env.REDIS_SENTINELS === undefined) {
    problems.push('REDIS_SENTINEL_NAME is read only with REDIS_SENTINELS: set both or neither');
  }
  if (env.REDIS_SENTINEL_PASSWORD !== undefined && env.REDIS_SENTINELS === undefined) {
    problems.push('REDIS_SENTINEL_PASSWORD is read only with REDIS_SENTINELS');
  }
  const nodeSettings = [
    env.REDIS_USERNAME !== undefined && 'REDIS_USERNAME',
    env.REDIS_PASSWORD !== undefined && 'REDIS_PASSWORD',
    env.REDIS_TLS && 'REDIS_TLS',
  ].filter((name): name is string => typeof name === 'string');
  if (nodeSettings.length > 0 && (given.length === 0 || given[0] === 'REDIS_URL')) {
    problems.push(
      `${nodeSettings.join(', ')} apply to REDIS_CLUSTER_NODES or REDIS_SENTINELS; with one node, put them in REDIS_URL (rediss://user:password@host:port)`,
    );
  }
  return problems;
}

/** Reads the environment once; throws one line naming every bad variable and what it accepts. */
export function validateEnv(raw: Record<string, string | undefined>): Env {
  const known = Object.fromEntries(
    Object.keys(new Env())
      .concat(
        'DATABASE_URL',
        'REDIS_URL',
        'REDIS_CLUSTER_NODES',
        'REDIS_SENTINELS',
        'REDIS_SENTINEL_NAME',
        'REDIS_USERNAME',
        'REDIS_PASSWORD',
        'REDIS_SENTINEL_PASSWORD',
        'SMTP_URL',
        'CONVEYOR_TEST_FAULT',
        'AUTH_MODE',
        'ADMIN_API_KEY',
        'METRICS_TOKEN',
        'WEBHOOK_SECRET_KEY',
        'STORAGE_URL',
        'S3_ENDPOINT',
        'S3_ACCESS_KEY_ID',
        'S3_SECRET_ACCESS_KEY',
        'RATE_CSV_PER_SECOND',
        'RATE_EMAIL_PER_SECOND',
        'RATE_IMAGE_PER_SECOND',
      )
      .filter((key) => raw[key] !== undefined)
      .map((key) => [key, raw[key]]),
  );
  const env = plainToInstance(Env, known, { exposeDefaultValues: true });
  const errors = validateSync(env, { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new EnvValidationError(`Invalid configuration: ${describe(errors, known)}`);
  }
  const problems = crossCheck(env);
  if (problems.length > 0) {
    throw new EnvValidationError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return env;
}
