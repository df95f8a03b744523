import { resolve } from 'node:path';
import { AppConfig } from './app-config';
import { validateEnv } from './env';

const configFrom = (raw: Record<string, string> = {}): AppConfig => new AppConfig(validateEnv(raw));

describe('AppConfig', () => {
  it('maps the defaults: SQLite under ./data, local Redis, same origin only, open on loopback', () => {
    const config = configFrom();
    expect(config.role).toBe('all');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe(resolve('data'));
    expect(config.database).toEqual({
      kind: 'sqlite',
      path: resolve('data', 'conveyor.sqlite'),
    });
    expect(config.redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      isDefault: true,
      topology: { kind: 'single', url: 'redis://127.0.0.1:6379' },
    });
    expect(config.queuePrefix).toBe('conveyor');
    expect(config.concurrency).toEqual({
      csv_processing: 4,
      email_sending: 4,
      image_processing: 2,
    });
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailFrom).toBe('Conveyor <conveyor@localhost>');
    expect(config.logLevel).toBe('info');
    expect(config.corsOrigins).toEqual([]);
    expect(config.auth.mode).toBe('open');
    expect(config.progressIntervalMs).toBe(300);
    expect(config.shutdownGraceMs).toBe(30000);
  });

  it('puts the SQLite file in DATA_DIR, made absolute', () => {
    const config = configFrom({ DATA_DIR: 'var/conveyor' });
    expect(config.dataDir).toBe(resolve('var/conveyor'));
    expect(config.database).toEqual({
      kind: 'sqlite',
      path: resolve('var/conveyor/conveyor.sqlite'),
    });
  });

  it('keeps files under DATA_DIR unless STORAGE_URL names a bucket', () => {
    expect(configFrom({ DATA_DIR: 'var/conveyor' }).storage).toEqual({
      kind: 'local',
      root: resolve('var/conveyor'),
    });
    expect(
      configFrom({
        STORAGE_URL: 's3://conveyor-files/prod/eu/',
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        S3_ACCESS_KEY_ID: 'key',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_FORCE_PATH_STYLE: 'true',
        UPLOAD_MAX_CSV_BYTES: String(2 * 1024 ** 3),
      }).storage,
    ).toEqual({
      kind: 's3',
      bucket: 'conveyor-files',
      prefix: 'prod/eu',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
      forcePathStyle: true,
      maxObjectBytes: 2 * 1024 ** 3,
    });
    expect(configFrom({ STORAGE_URL: 's3://conveyor-files' }).storage).toMatchObject({
      bucket: 'conveyor-files',
      prefix: '',
      endpoint: undefined,
      credentials: undefined,
      forcePathStyle: false,
    });
  });

  it('switches to PostgreSQL with DATABASE_URL, keeping the schema and pool settings', () => {
    const url = 'postgres://app:pw@db.example.com:5432/conveyor';
    expect(configFrom({ DATABASE_URL: url }).database).toEqual({
      kind: 'postgres',
      url,
      schema: 'public',
      poolSize: 10,
      connectTimeoutMs: 10_000,
      preparedStatements: true,
    });
    expect(
      configFrom({
        DATABASE_URL: url,
        DATABASE_SCHEMA: 'tenant_1',
        DATABASE_POOL_SIZE: '25',
        DATABASE_CONNECT_TIMEOUT_MS: '2500',
        DATABASE_PREPARED_STATEMENTS: 'false',
      }).database,
    ).toEqual({
      kind: 'postgres',
      url,
      schema: 'tenant_1',
      poolSize: 25,
      connectTimeoutMs: 2500,
      preparedStatements: false,
    });
  });

  it('stays on SQLite when DATABASE_URL is empty', () => {
    expect(configFrom({ DATABASE_URL: '' }).database.kind).toBe('sqlite');
  });

  it('marks an explicit REDIS_URL as not the default', () => {
    expect(configFrom({ REDIS_URL: 'redis://cache:6379/2' }).redis).toEqual({
      url: 'redis://cache:6379/2',
      isDefault: false,
      topology: { kind: 'single', url: 'redis://cache:6379/2' },
    });
  });

  it('reads a cluster, hash-tagging the queue prefix so that every key shares one slot', () => {
    const config = configFrom({
      REDIS_CLUSTER_NODES: 'redis-1:7000,[::1]:7001',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'pw',
    });
    expect(config.redis.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'redis-1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      auth: { username: 'app', password: 'pw', tls: false },
    });
    expect(config.redis.isDefault).toBe(false);
    expect(config.queuePrefix).toBe('{conveyor}');
    expect(configFrom({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: 'jobs' }).queuePrefix).toBe(
      '{jobs}',
    );
    expect(configFrom({ REDIS_CLUSTER_NODES: 'a:1', QUEUE_PREFIX: 'x{t1}' }).queuePrefix).toBe(
      'x{t1}',
    );
    // One node keeps the prefix as given.
    expect(configFrom({ QUEUE_PREFIX: 'jobs' }).queuePrefix).toBe('jobs');
  });

  it("reads Sentinel with the master name and the sentinels' own password", () => {
    const config = configFrom({
      REDIS_SENTINELS: 's1:26379,s2:26380',
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 'spw',
      REDIS_TLS: 'true',
    });
    expect(config.redis.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      auth: { username: undefined, password: undefined, tls: true },
      sentinelPassword: 'spw',
    });
    expect(config.queuePrefix).toBe('conveyor');
  });

  it('maps the concurrency of each task type and the other settings', () => {
    const config = configFrom({
      APP_ROLE: 'api',
      PORT: '0',
      CSV_CONCURRENCY: '3',
      EMAIL_CONCURRENCY: '5',
      IMAGE_CONCURRENCY: '7',
      SMTP_URL: 'smtp://mail:2525',
      MAIL_FROM: 'Ops <ops@example.com>',
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: 'test-1',
      PROGRESS_INTERVAL_MS: '1000',
      SHUTDOWN_GRACE_MS: '5',
    });
    expect(config).toMatchObject({
      role: 'api',
      port: 0,
      concurrency: { csv_processing: 3, email_sending: 5, image_processing: 7 },
      smtpUrl: 'smtp://mail:2525',
      mailFrom: 'Ops <ops@example.com>',
      logLevel: 'warn',
      queuePrefix: 'test-1',
      progressIntervalMs: 1000,
      shutdownGraceMs: 5,
    });
  });

  it.each([
    ['*', '*'],
    ['', []],
    [' , ', []],
    ['https://a.example', ['https://a.example']],
    [' https://a.example , https://b.example ,', ['https://a.example', 'https://b.example']],
    ['https://a.example,*', '*'],
  ])('reads CORS_ORIGINS=%j as %j (in keys mode)', (value, expected) => {
    expect(configFrom({ CORS_ORIGINS: value, AUTH_MODE: 'keys' }).corsOrigins).toEqual(expected);
  });

  it.each([
    ['127.0.0.1', 'open'],
    ['localhost', 'open'],
    ['::1', 'open'],
    ['0.0.0.0', 'keys'],
    ['192.168.1.10', 'keys'],
    ['conveyor.example', 'keys'],
  ])('defaults AUTH_MODE on HOST=%s to %s', (host, mode) => {
    expect(configFrom({ HOST: host }).auth.mode).toBe(mode);
  });

  it('maps the SQL retry policy and the SQLite busy timeout', () => {
    expect(configFrom().sqlRetry).toEqual({ attempts: 8, delayMs: 100 });
    expect(configFrom().sqliteBusyTimeoutMs).toBe(50);
    const config = configFrom({
      SQL_RETRY_ATTEMPTS: '3',
      SQL_RETRY_DELAY_MS: '20',
      SQLITE_BUSY_TIMEOUT_MS: '2000',
    });
    expect(config.sqlRetry).toEqual({ attempts: 3, delayMs: 20 });
    expect(config.sqliteBusyTimeoutMs).toBe(2000);
  });

  it('maps the idle heap release, which 0 turns off', () => {
    expect(configFrom().heapReleaseIdleMs).toBe(10_000);
    expect(configFrom({ HEAP_RELEASE_IDLE_MS: '0' }).heapReleaseIdleMs).toBe(0);
  });

  describe('withRedisUrl', () => {
    it('gives a copy pointed at another Redis and leaves the original alone', () => {
      const config = configFrom({ PORT: '4000' });
      const moved = config.withRedisUrl('redis://127.0.0.1:40123');
      expect(moved).toBeInstanceOf(AppConfig);
      expect(moved).not.toBe(config);
      expect(moved.redis).toEqual({
        url: 'redis://127.0.0.1:40123',
        isDefault: false,
        topology: { kind: 'single', url: 'redis://127.0.0.1:40123' },
      });
      expect(moved.port).toBe(4000);
      expect(moved.database).toEqual(config.database);
      expect(config.redis).toEqual({
        url: 'redis://127.0.0.1:6379',
        isDefault: true,
        topology: { kind: 'single', url: 'redis://127.0.0.1:6379' },
      });
    });
  });
});
