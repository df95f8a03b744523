import { Env, EnvValidationError, validateEnv } from './env';

const messageFor = (raw: Record<string, string>): string => {
  try {
    validateEnv(raw);
  } catch (error) {
    if (error instanceof EnvValidationError) return error.message;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
};

describe('validateEnv', () => {
  it('gives every default for an empty environment', () => {
    const env = validateEnv({});
    expect(env).toBeInstanceOf(Env);
    expect({ ...env }).toEqual({
      APP_ROLE: 'all',
      HOST: '127.0.0.1',
      PORT: 3000,
      DATA_DIR: './data',
      STORAGE_URL: undefined,
      S3_ENDPOINT: undefined,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: undefined,
      S3_SECRET_ACCESS_KEY: undefined,
      S3_FORCE_PATH_STYLE: false,
      DATABASE_URL: undefined,
      DATABASE_SCHEMA: 'public',
      REDIS_URL: undefined,
      REDIS_CLUSTER_NODES: undefined,
      REDIS_SENTINELS: undefined,
      REDIS_SENTINEL_NAME: undefined,
      REDIS_USERNAME: undefined,
      REDIS_PASSWORD: undefined,
      REDIS_SENTINEL_PASSWORD: undefined,
      REDIS_TLS: false,
      QUEUE_PREFIX: 'conveyor',
      CSV_CONCURRENCY: 4,
      EMAIL_CONCURRENCY: 4,
      IMAGE_CONCURRENCY: 2,
      SMTP_URL: undefined,
      SMTP_MAX_CONNECTIONS: 5,
      SMTP_RATE_PER_SECOND: 0,
      RATE_CSV_PER_SECOND: undefined,
      RATE_EMAIL_PER_SECOND: undefined,
      RATE_IMAGE_PER_SECOND: undefined,
      SMTP_TLS_REJECT_UNAUTHORIZED: true,
      SMTP_REQUIRE_TLS: false,
      SMTP_RETRY_ATTEMPTS: 4,
      SMTP_RETRY_DELAY_MS: 1000,
      MAIL_FROM: 'Conveyor <conveyor@localhost>',
      MAIL_FROM_ALLOWED: '',
      MAIL_RECIPIENT_DOMAINS: '',
      CSV_MAX_COLUMNS: 2000,
      LOG_LEVEL: 'info',
      CORS_ORIGINS: '',
      AUTH_MODE: undefined,
      ADMIN_API_KEY: undefined,
      METRICS_TOKEN: undefined,
      AUDIT_RETENTION_DAYS: 90,
      SESSION_TTL_HOURS: 12,
      PROGRESS_INTERVAL_MS: 300,
      SHUTDOWN_GRACE_MS: 30000,
      UPLOAD_MAX_CSV_BYTES: 1024 ** 3,
      UPLOAD_MAX_IMAGE_BYTES: 50 * 1024 ** 2,
      FILE_RETENTION_SECONDS: 86_400,
      CSV_ATTEMPTS: 3,
      EMAIL_ATTEMPTS: 5,
      IMAGE_ATTEMPTS: 3,
      TIMEOUT_CSV_SECONDS: 3600,
      TIMEOUT_EMAIL_SECONDS: 3600,
      TIMEOUT_IMAGE_SECONDS: 3600,
      TIMEOUT_GRACE_MS: 5000,
      RETRY_BACKOFF_MS: 2000,
      SQL_RETRY_ATTEMPTS: 8,
      SQL_RETRY_DELAY_MS: 100,
      WORKER_HEARTBEAT_TTL_SECONDS: 30,
      SCHEDULE_POLL_MS: 1000,
      WEBHOOK_ALLOW_PRIVATE: false,
      WEBHOOK_SECRET_KEY: undefined,
      WEBHOOK_ATTEMPTS: 15,
      WEBHOOK_RETRY_WINDOW_SECONDS: 86400,
      WEBHOOK_TIMEOUT_MS: 10000,
      DATABASE_POOL_SIZE: 10,
      DATABASE_CONNECT_TIMEOUT_MS: 10_000,
      SQLITE_BUSY_TIMEOUT_MS: 50,
      HEAP_RELEASE_IDLE_MS: 10_000,
      DATABASE_PREPARED_STATEMENTS: true,
      RATE_LIMIT_PER_MINUTE: 1200,
      AUTH_FAILURES_PER_MINUTE: 60,
      RETENTION_DAYS: 30,
      RETENTION_SWEEP_SECONDS: 300,
      QUOTA_ACTIVE_TASKS: 10_000,
      QUOTA_STORAGE_BYTES: 10 * 1024 ** 3,
      QUOTA_EMAILS_PER_DAY: 10_000,
      BULK_MAX_TASKS: 10_000,
      SSE_MAX_CLIENTS: 1000,
      SSE_MAX_CLIENTS_PER_KEY: 20,
      SSE_HEARTBEAT_MS: 15_000,
      SSE_BUFFER_BYTES: 1024 ** 2,
      HTTP_HEADERS_TIMEOUT_MS: 15_000,
      HTTP_BODY_TIMEOUT_MS: 30_000,
      UPLOAD_IDLE_TIMEOUT_MS: 30_000,
      HTTP_MAX_CONNECTIONS: 2000,
      TRUST_PROXY: false,
    });
  });

  describe('Redis topology (§12)', () => {
    it('reads a cluster and a Sentinel setup with their node credentials', () => {
      const cluster = validateEnv({
        REDIS_CLUSTER_NODES: 'redis-1:6379, redis-2:6380,[::1]:7000',
        REDIS_PASSWORD: 'pw',
        REDIS_TLS: 'true',
      });
      expect(cluster.REDIS_CLUSTER_NODES).toBe('redis-1:6379, redis-2:6380,[::1]:7000');
      expect(cluster.REDIS_TLS).toBe(true);
      const sentinel = validateEnv({
        REDIS_SENTINELS: 's1:26379,s2:26379',
        REDIS_SENTINEL_NAME: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'spw',
      });
      expect(sentinel.REDIS_SENTINEL_NAME).toBe('mymaster');
    });

    it.each([
      [{ REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:6379' }],
      [{ REDIS_CLUSTER_NODES: 'b:6379', REDIS_SENTINELS: 'c:26379', REDIS_SENTINEL_NAME: 'm' }],
      [{ REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'c:26379', REDIS_SENTINEL_NAME: 'm' }],
    ])('refuses more than one topology: %j', (raw) => {
      expect(messageFor(raw)).toContain(
        'Set exactly one of REDIS_URL (one node), REDIS_CLUSTER_NODES',
      );
    });

    it('asks for the master name with sentinels, and for sentinels with a name', () => {
      expect(messageFor({ REDIS_SENTINELS: 's1:26379' })).toContain(
        'REDIS_SENTINELS needs REDIS_SENTINEL_NAME',
      );
      expect(messageFor({ REDIS_SENTINEL_NAME: 'mymaster' })).toContain(
        'REDIS_SENTINEL_NAME is read only with REDIS_SENTINELS',
      );
    });

    it.each(['redis-1', 'redis-1:port', 'redis://redis-1:6379', 'a:1,,b:2'])(
      'refuses REDIS_CLUSTER_NODES=%j',
      (value) => {
        expect(messageFor({ REDIS_CLUSTER_NODES: value })).toContain(
          'REDIS_CLUSTER_NODES must be a comma-separated list of host:port',
        );
      },
    );

    it('points node credentials on one node to REDIS_URL, and never prints the password', () => {
      const message = messageFor({ REDIS_PASSWORD: 'hunter2', REDIS_TLS: 'yes' });
      expect(message).toContain(
        'REDIS_PASSWORD, REDIS_TLS apply to REDIS_CLUSTER_NODES or REDIS_SENTINELS; with one node, put them in REDIS_URL',
      );
      expect(
        messageFor({ REDIS_CLUSTER_NODES: 'a:1', REDIS_PASSWORD: 'with space' }),
      ).not.toContain('with space');
    });
  });

  it('reads a global task rate per type: a decimal is allowed, empty means no limit', () => {
    const env = validateEnv({
      RATE_CSV_PER_SECOND: '2',
      RATE_EMAIL_PER_SECOND: '0.5',
      RATE_IMAGE_PER_SECOND: '',
    });
    expect(env.RATE_CSV_PER_SECOND).toBe(2);
    expect(env.RATE_EMAIL_PER_SECOND).toBe(0.5);
    expect(env.RATE_IMAGE_PER_SECOND).toBeUndefined();
  });

  it('reads RETENTION_DAYS as days, a decimal allowed, 0 keeping tasks forever', () => {
    expect(validateEnv({ RETENTION_DAYS: '0.0001' }).RETENTION_DAYS).toBe(0.0001);
    expect(validateEnv({ RETENTION_DAYS: '0' }).RETENTION_DAYS).toBe(0);
    expect(validateEnv({ RETENTION_SWEEP_SECONDS: '1' }).RETENTION_SWEEP_SECONDS).toBe(1);
  });

  it.each(['-1', 'month', '40000'])('refuses RETENTION_DAYS=%s with the range', (value) => {
    expect(messageFor({ RETENTION_DAYS: value })).toContain(
      'RETENTION_DAYS must be a number of days from 0 to 36500',
    );
  });

  it.each(['0', '1.5', '100000'])('refuses RETENTION_SWEEP_SECONDS=%s', (value) => {
    expect(messageFor({ RETENTION_SWEEP_SECONDS: value })).toContain(
      'RETENTION_SWEEP_SECONDS must be an integer from 1 to 86400',
    );
  });

  it.each(['0', '-1', 'fast', '20000'])(
    'refuses RATE_CSV_PER_SECOND=%s with the range',
    (value) => {
      expect(messageFor({ RATE_CSV_PER_SECOND: value })).toContain(
        'RATE_CSV_PER_SECOND must be a number of task starts per second from 0.001 to 10000, or unset for no limit',
      );
    },
  );

  it('reads the values it is given, numbers as numbers', () => {
    const env = validateEnv({
      APP_ROLE: 'worker',
      HOST: '0.0.0.0',
      PORT: ' 8080 ',
      DATA_DIR: '/srv/conveyor',
      DATABASE_URL: 'postgresql://app:pw@db:5432/conveyor',
      DATABASE_SCHEMA: 'tenant_7',
      REDIS_URL: 'rediss://default:pw@cache.example.com:6380/2',
      QUEUE_PREFIX: '{conveyor}',
      CSV_CONCURRENCY: '8',
      EMAIL_CONCURRENCY: '1',
      IMAGE_CONCURRENCY: '64',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      MAIL_FROM: 'Ops <ops@example.com>',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: 'https://a.example, https://b.example',
      PROGRESS_INTERVAL_MS: '50',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(env).toMatchObject({
      APP_ROLE: 'worker',
      PORT: 8080,
      DATABASE_SCHEMA: 'tenant_7',
      REDIS_URL: 'rediss://default:pw@cache.example.com:6380/2',
      CSV_CONCURRENCY: 8,
      EMAIL_CONCURRENCY: 1,
      IMAGE_CONCURRENCY: 64,
      PROGRESS_INTERVAL_MS: 50,
      SHUTDOWN_GRACE_MS: 0,
    });
  });

  it('treats an empty URL variable as unset', () => {
    const env = validateEnv({ DATABASE_URL: '', REDIS_URL: '  ', SMTP_URL: '' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.SMTP_URL).toBeUndefined();
  });

  it.each([
    'redis://127.0.0.1:6379',
    'redis://cache',
    'redis://cache:6379/',
    'redis://cache:6379/15',
    'redis://:p%40ss@[::1]:6379/3',
    'rediss://user:pw@cache.example.com:6380/0',
  ])('accepts REDIS_URL=%j', (url) => {
    expect(validateEnv({ REDIS_URL: url }).REDIS_URL).toBe(url);
  });

  it('reads comma lists for the mail policy', () => {
    const env = validateEnv({
      MAIL_FROM_ALLOWED: ' news@example.com, Ops@Example.org ',
      MAIL_RECIPIENT_DOMAINS: 'example.com,mail.example.org',
    });
    expect(env.MAIL_FROM_ALLOWED).toBe(' news@example.com, Ops@Example.org ');
    expect(env.MAIL_RECIPIENT_DOMAINS).toBe('example.com,mail.example.org');
  });

  it('refuses open mode off loopback in one line naming the fix', () => {
    const message = messageFor({ HOST: '0.0.0.0', AUTH_MODE: 'open' });
    expect(message).toMatch(/AUTH_MODE=open is allowed only when HOST is a loopback address/);
    expect(message).toMatch(/HOST is 0\.0\.0\.0/);
    expect(message).not.toContain('\n');
    expect(validateEnv({ HOST: '::1', AUTH_MODE: 'open' }).AUTH_MODE).toBe('open');
    expect(validateEnv({ HOST: '0.0.0.0', AUTH_MODE: 'keys' }).AUTH_MODE).toBe('keys');
  });

  it('accepts CORS_ORIGINS=* only in keys mode', () => {
    expect(messageFor({ CORS_ORIGINS: '*' })).toMatch(/CORS_ORIGINS=\* is accepted only with/);
    expect(validateEnv({ CORS_ORIGINS: '*', AUTH_MODE: 'keys' }).CORS_ORIGINS).toBe('*');
    expect(validateEnv({ CORS_ORIGINS: '*', HOST: '0.0.0.0' }).CORS_ORIGINS).toBe('*');
  });

  it('checks ADMIN_API_KEY without ever printing it', () => {
    const short = 'too-short-secret';
    const message = messageFor({ ADMIN_API_KEY: short });
    expect(message).toMatch(/ADMIN_API_KEY must be 32 to 256 printable characters/);
    expect(message).toContain('16 characters');
    expect(message).not.toContain(short);
    expect(validateEnv({ ADMIN_API_KEY: 'k'.repeat(32) }).ADMIN_API_KEY).toBe('k'.repeat(32));
  });

  it('checks METRICS_TOKEN without ever printing it', () => {
    const short = 'scraper-secret';
    const message = messageFor({ METRICS_TOKEN: short });
    expect(message).toMatch(/METRICS_TOKEN must be 32 to 256 printable characters/);
    expect(message).not.toContain(short);
    expect(validateEnv({ METRICS_TOKEN: 't'.repeat(32) }).METRICS_TOKEN).toBe('t'.repeat(32));
  });

  it('ignores variables it does not know', () => {
    expect(validateEnv({ PATH: '/usr/bin', HOME: '/root' }).PORT).toBe(3000);
  });

  it.each([
    ['APP_ROLE', 'server', /APP_ROLE must be one of: api, worker, all/],
    ['HOST', 'h'.repeat(256), /HOST .*255 characters/],
    ['PORT', 'http', /PORT must be an integer from 0 to 65535/],
    ['PORT', '65536', /PORT must be an integer from 0 to 65535/],
    ['PORT', '-1', /PORT must be an integer from 0 to 65535/],
    ['TIMEOUT_CSV_SECONDS', '0', /TIMEOUT_CSV_SECONDS must be an integer from 1 to 86400/],
    ['TIMEOUT_GRACE_MS', '-5', /TIMEOUT_GRACE_MS must be an integer from 0 to 600000/],
    ['PORT', '80.5', /PORT must be an integer from 0 to 65535/],
    ['PORT', '', /PORT must be an integer from 0 to 65535/],
    ['DATABASE_URL', 'mysql://db/app', /DATABASE_URL must be a PostgreSQL URL .*or unset/],
    ['DATABASE_SCHEMA', 'Public', /DATABASE_SCHEMA must be a lower-case PostgreSQL identifier/],
    ['DATABASE_SCHEMA', 'drop table', /DATABASE_SCHEMA must be a lower-case/],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE must be an integer from 1 to 200/],
    ['DATABASE_PREPARED_STATEMENTS', 'maybe', /DATABASE_PREPARED_STATEMENTS must be true or false/],
    [
      'DATABASE_CONNECT_TIMEOUT_MS',
      '0',
      /DATABASE_CONNECT_TIMEOUT_MS must be an integer from 100 to 600000/,
    ],
    ['REDIS_URL', 'http://127.0.0.1:6379', /REDIS_URL must be a Redis URL such as redis:\/\//],
    ['REDIS_URL', 'redis://cache:6379/db', /REDIS_URL must be a Redis URL/],
    ['REDIS_URL', 'redis://cache:6379/0?family=6', /REDIS_URL must be a Redis URL/],
    ['REDIS_URL', 'redis://cache:6379/0 ', /REDIS_URL must be a Redis URL/],
    ['QUEUE_PREFIX', 'a:b', /QUEUE_PREFIX must be 1-64 characters of letters, digits/],
    ['QUEUE_PREFIX', 'q'.repeat(65), /QUEUE_PREFIX must be 1-64 characters/],
    ['CSV_CONCURRENCY', '0', /CSV_CONCURRENCY must be an integer from 1 to 64/],
    ['EMAIL_CONCURRENCY', '65', /EMAIL_CONCURRENCY must be an integer from 1 to 64/],
    ['IMAGE_CONCURRENCY', 'many', /IMAGE_CONCURRENCY must be an integer from 1 to 64/],
    ['SMTP_URL', 'mail.example.com:25', /SMTP_URL must be an SMTP URL such as smtp:\/\//],
    ['MAIL_FROM', 'a@example.com\r\nBcc: x@example.com', /MAIL_FROM must be one line/],
    [
      'MAIL_FROM_ALLOWED',
      'Ops <ops@example.com>',
      /MAIL_FROM_ALLOWED must be a comma-separated list of e-mail addresses/,
    ],
    ['MAIL_FROM_ALLOWED', 'a@example.com,,b', /MAIL_FROM_ALLOWED must be a comma-separated list/],
    [
      'MAIL_RECIPIENT_DOMAINS',
      '*.example.com',
      /MAIL_RECIPIENT_DOMAINS must be a comma-separated list of domains/,
    ],
    [
      'MAIL_RECIPIENT_DOMAINS',
      'user@example.com',
      /MAIL_RECIPIENT_DOMAINS must be a comma-separated list/,
    ],
    ['CSV_MAX_COLUMNS', '0', /CSV_MAX_COLUMNS must be an integer from 1 to 20000/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of: fatal, error, warn, info, debug/],
    ['PROGRESS_INTERVAL_MS', '10', /PROGRESS_INTERVAL_MS must be an integer from 50 to 60000/],
    ['SHUTDOWN_GRACE_MS', '3600001', /SHUTDOWN_GRACE_MS must be an integer from 0 to 3600000/],
    ['SQL_RETRY_ATTEMPTS', '0', /SQL_RETRY_ATTEMPTS must be an integer from 1 to 50/],
    ['SQL_RETRY_DELAY_MS', '-5', /SQL_RETRY_DELAY_MS must be an integer from 0 to 60000/],
    ['SQLITE_BUSY_TIMEOUT_MS', '1s', /SQLITE_BUSY_TIMEOUT_MS must be an integer from 0 to 600000/],
    ['HEAP_RELEASE_IDLE_MS', '-1', /HEAP_RELEASE_IDLE_MS must be an integer from 0 to 3600000/],
    [
      'WORKER_HEARTBEAT_TTL_SECONDS',
      '1',
      /WORKER_HEARTBEAT_TTL_SECONDS must be an integer from 3 to 3600/,
    ],
    ['SCHEDULE_POLL_MS', '50', /SCHEDULE_POLL_MS must be an integer from 100 to 60000/],
    ['AUTH_MODE', 'none', /AUTH_MODE must be open or keys/],
    ['AUDIT_RETENTION_DAYS', '0', /AUDIT_RETENTION_DAYS must be an integer from 1 to 36500/],
    ['SESSION_TTL_HOURS', '721', /SESSION_TTL_HOURS must be an integer from 1 to 720/],
    ['RATE_LIMIT_PER_MINUTE', '0', /RATE_LIMIT_PER_MINUTE must be an integer from 1 to 1000000/],
    ['QUOTA_ACTIVE_TASKS', 'lots', /QUOTA_ACTIVE_TASKS must be an integer from 1 to/],
    ['QUOTA_STORAGE_BYTES', '10GiB', /QUOTA_STORAGE_BYTES must be an integer from 1 to/],
    ['QUOTA_EMAILS_PER_DAY', '-1', /QUOTA_EMAILS_PER_DAY must be an integer from 1 to/],
    ['SSE_MAX_CLIENTS', '0', /SSE_MAX_CLIENTS must be an integer from 1 to 1000000/],
    ['SSE_MAX_CLIENTS_PER_KEY', '1.5', /SSE_MAX_CLIENTS_PER_KEY must be an integer from 1/],
    ['SSE_HEARTBEAT_MS', '10', /SSE_HEARTBEAT_MS must be an integer from 100 to 3600000/],
    ['SSE_BUFFER_BYTES', '100', /SSE_BUFFER_BYTES must be an integer from 1024 to/],
  ])('rejects %s=%j, naming it and what it accepts', (name, value, accepts) => {
    const message = messageFor({ [name]: value });
    expect(message).toMatch(/^Invalid configuration: /);
    expect(message).toMatch(accepts);
    expect(message).toContain(`(got ${JSON.stringify(value)})`);
  });

  it('rejects an empty HOST, which would listen on every interface', () => {
    expect(messageFor({ HOST: '' })).toMatch(/HOST must .*(got "")/);
  });

  it('names every bad variable in one message', () => {
    const message = messageFor({ APP_ROLE: 'both', PORT: 'x', LOG_LEVEL: 'loud' });
    expect(message).toMatch(/APP_ROLE must be/);
    expect(message).toMatch(/PORT must be/);
    expect(message).toMatch(/LOG_LEVEL must be/);
    expect(message.split('; ')).toHaveLength(3);
  });

  it.each([
    ['DATABASE_URL', 'mysql://root:s3cret-pw@db/app'],
    ['REDIS_URL', 'redis://:s3cret-pw@cache:6379/x'],
    ['SMTP_URL', 'http://mailer:s3cret-pw@mail.example.com'],
    ['DATABASE_URL', 'mysql://root:s3cret-pw@with@at@db/app'],
    ['DATABASE_URL', 'postgres://app:s3cret/pw@db:5432/conveyor'],
    ['DATABASE_URL', 'postgres://app:1/s3cret@db:5432/conveyor'],
    ['DATABASE_URL', 'postgres://app:s3cret pw@db:5432/conveyor'],
    ['REDIS_URL', 'redis://:s3cret/pw@cache:6379'],
    ['REDIS_URL', 'redis://:s3cret pw@cache:6379'],
    ['SMTP_URL', 'smtp://user:s3cret/pw@mail.example.com:587'],
    ['SMTP_URL', 'smtp://user:s3cret pw@mail.example.com:587'],
  ])('does not print the password of a rejected %s (%s)', (name, value) => {
    const message = messageFor({ [name]: value });
    expect(message).toContain(name);
    expect(message).not.toContain('s3cret');
    expect(message).toContain('***');
  });

  it('says how to write a password with special characters, and accepts it encoded', () => {
    expect(messageFor({ SMTP_URL: 'smtp://user:a/b@mail.example.com' })).toMatch(
      /percent-encode .*\/ as %2F/,
    );
    expect(validateEnv({ SMTP_URL: 'smtp://user:a%2Fb@mail.example.com' }).SMTP_URL).toBe(
      'smtp://user:a%2Fb@mail.example.com',
    );
    expect(validateEnv({ DATABASE_URL: 'postgres://u:a%20b@db:5432/app' }).DATABASE_URL).toBe(
      'postgres://u:a%20b@db:5432/app',
    );
  });
});

describe('HTTP limits', () => {
  it('accepts an S3 store with its settings and rejects malformed ones by name', () => {
    const env = validateEnv({
      STORAGE_URL: 's3://conveyor-files/prod/eu',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-1',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'secret/with+chars',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(env).toMatchObject({
      STORAGE_URL: 's3://conveyor-files/prod/eu',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_REGION: 'eu-west-1',
      S3_FORCE_PATH_STYLE: true,
    });
    expect(validateEnv({ STORAGE_URL: '' }).STORAGE_URL).toBeUndefined();
    expect(messageFor({ STORAGE_URL: 'file:///srv/data' })).toContain(
      'STORAGE_URL must be s3://bucket or s3://bucket/prefix',
    );
    expect(messageFor({ STORAGE_URL: 's3://Upper_Case' })).toContain('STORAGE_URL must be');
    expect(messageFor({ S3_ENDPOINT: 'minio:9000' })).toContain(
      'S3_ENDPOINT must be an http(s) URL',
    );
    expect(messageFor({ S3_FORCE_PATH_STYLE: 'maybe' })).toContain(
      'S3_FORCE_PATH_STYLE must be true or false',
    );
    expect(messageFor({ S3_ACCESS_KEY_ID: 'AKIAEXAMPLE' })).toContain(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
    );
    // A rejected secret is described, never shown.
    const secret = messageFor({ S3_SECRET_ACCESS_KEY: 'has a space', S3_ACCESS_KEY_ID: 'k' });
    expect(secret).toContain('S3_SECRET_ACCESS_KEY must be');
    expect(secret).not.toContain('has a space');
  });

  it('has defaults that hold any real client and bound slow ones', () => {
    const env = validateEnv({});
    expect(env.HTTP_HEADERS_TIMEOUT_MS).toBe(15_000);
    expect(env.HTTP_BODY_TIMEOUT_MS).toBe(30_000);
    expect(env.UPLOAD_IDLE_TIMEOUT_MS).toBe(30_000);
    expect(env.HTTP_MAX_CONNECTIONS).toBe(2000);
    expect(env.TRUST_PROXY).toBe(false);
  });

  it.each([
    ['true', true],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
  ])('reads TRUST_PROXY=%s as %j', (text, value) => {
    expect(validateEnv({ TRUST_PROXY: text }).TRUST_PROXY).toBe(value);
  });

  it.each([
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be false, true .*or the number of proxies/],
    ['HTTP_HEADERS_TIMEOUT_MS', '10', /HTTP_HEADERS_TIMEOUT_MS must be an integer from 1000/],
    ['HTTP_MAX_CONNECTIONS', '0', /HTTP_MAX_CONNECTIONS must be an integer from 10/],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => validateEnv({ [name]: value })).toThrow(message);
  });
});
