import { DataSource, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { validateEnv } from '../config/env';
import { ApiKey } from '../keys/api-key.entity';
import { KeysService } from '../keys/keys.service';
import { KEY_CACHE_MS, KeyAuthenticator } from './key-authenticator.service';
import { KEY_PREFIX } from './key-secret';

const ADMIN = 'a'.repeat(40);

describe('KeyAuthenticator (on a real SQLite database in memory)', () => {
  let dataSource: DataSource;
  let repository: Repository<ApiKey>;
  let keys: KeysService;
  let now: number;

  beforeEach(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [ApiKey],
      synchronize: true,
    });
    await dataSource.initialize();
    repository = dataSource.getRepository(ApiKey);
    keys = new KeysService(repository);
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  const authenticator = (env: Record<string, string> = {}): KeyAuthenticator =>
    new KeyAuthenticator(repository, new AppConfig(validateEnv(env)));

  it('makes keys of 256 random bits with the cvk_ prefix and stores only their hash', async () => {
    const { row, key } = await keys.create(
      { name: 'ci', role: 'operator', project: 'alpha' },
      { project: '*' },
    );
    expect(key).toMatch(new RegExp(`^${KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
    const stored = JSON.stringify(await repository.find());
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 12));
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a key from SQL at most once per cache period, also an unknown one', async () => {
    const { key } = await keys.create(
      { name: 'ci', role: 'viewer', project: 'alpha' },
      { project: '*' },
    );
    const reads = jest.spyOn(repository, 'findOneBy');
    const auth = authenticator();
    for (let i = 0; i < 100; i++) {
      await expect(auth.authenticate(key)).resolves.toMatchObject({
        name: 'ci',
        role: 'viewer',
        project: 'alpha',
      });
      await expect(auth.authenticate('cvk_unknown')).resolves.toBeNull();
    }
    expect(reads).toHaveBeenCalledTimes(2);
    now += KEY_CACHE_MS + 1;
    await auth.authenticate(key);
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it('refuses a revoked key once its cache entry has expired, and at once when told to forget it', async () => {
    const { row, key } = await keys.create(
      { name: 'ci', role: 'viewer', project: 'alpha' },
      { project: '*' },
    );
    const other = authenticator();
    const own = authenticator();
    await expect(other.authenticate(key)).resolves.not.toBeNull();
    await expect(own.authenticate(key)).resolves.not.toBeNull();
    await keys.revoke(row.id, { project: '*' });
    own.forget(row.keyHash);
    await expect(own.authenticate(key)).resolves.toBeNull();
    now += KEY_CACHE_MS - 1;
    await expect(other.authenticate(key)).resolves.not.toBeNull();
    now += 2;
    await expect(other.authenticate(key)).resolves.toBeNull();
    // Revoking holds within the 5 s that §7 allows.
    expect(KEY_CACHE_MS).toBeLessThan(5000);
  });

  it('takes ADMIN_API_KEY as an admin of every project without a database read', async () => {
    const reads = jest.spyOn(repository, 'findOneBy');
    const auth = authenticator({ ADMIN_API_KEY: ADMIN });
    await expect(auth.authenticate(ADMIN)).resolves.toMatchObject({
      role: 'admin',
      project: '*',
      keyId: null,
    });
    await expect(auth.authenticate(`${ADMIN}x`)).resolves.toBeNull();
    await expect(authenticator().authenticate(ADMIN)).resolves.toBeNull();
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('notes last_used_at at most once a minute per key', async () => {
    const { row, key } = await keys.create(
      { name: 'ci', role: 'viewer', project: 'alpha' },
      { project: '*' },
    );
    const writes = jest.spyOn(repository, 'update');
    const auth = authenticator();
    await auth.authenticate(key);
    for (let i = 0; i < 10; i++) {
      now += KEY_CACHE_MS + 1;
      await auth.authenticate(key);
    }
    expect(writes).toHaveBeenCalledTimes(1);
    now += 60_000;
    await auth.authenticate(key);
    expect(writes).toHaveBeenCalledTimes(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await repository.findOneByOrFail({ id: row.id })).lastUsedAt).not.toBeNull();
  });
});
