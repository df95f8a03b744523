import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { validateEnv } from '../src/config/env';
import { buildDataSourceOptions, ensureSchema } from '../src/database/data-source';
import { TASK_STATUSES } from '../src/core/task-status';
import { TASK_TYPES } from '../src/core/task-type';
import { seededRandom } from '../src/task-types/csv/csv-generate';
import { isolatedDatabase, TEST_DATABASE } from './utils/databases';

type Counts = Record<string, number>;

// The listing's `total` comes from counters kept by triggers; they must agree with COUNT(*).
describe(`task counters on ${TEST_DATABASE}`, () => {
  const database = isolatedDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-counts-'));
  let sources: DataSource[] = [];

  beforeAll(async () => {
    const config = new AppConfig(validateEnv({ DATA_DIR: dataDir, ...database.env }));
    await ensureSchema(config);
    const first = new DataSource(buildDataSourceOptions(config));
    await first.initialize();
    const second = new DataSource(buildDataSourceOptions(config, { runMigrations: false }));
    await second.initialize();
    sources = [first, second];
  });

  afterAll(async () => {
    for (const source of sources) await source.destroy();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sql = (source: DataSource, query: string, ...params: unknown[]): Promise<unknown> => {
    let index = 0;
    const text =
      source.options.type === 'postgres' ? query.replace(/\?/g, () => `$${++index}`) : query;
    return source.query<unknown>(text, params);
  };

  async function actual(source: DataSource): Promise<Counts> {
    const rows = (await sql(
      source,
      'SELECT status, task_type, COUNT(*) AS n FROM tasks GROUP BY status, task_type',
    )) as { status: string; task_type: string; n: string | number }[];
    return Object.fromEntries(rows.map((r) => [`${r.status}/${r.task_type}`, Number(r.n)]));
  }

  async function counted(source: DataSource): Promise<Counts> {
    const rows = (await sql(
      source,
      'SELECT status, task_type, SUM(count) AS n FROM task_counts GROUP BY status, task_type',
    )) as { status: string; task_type: string; n: string | number }[];
    return Object.fromEntries(
      rows.filter((r) => Number(r.n) !== 0).map((r) => [`${r.status}/${r.task_type}`, Number(r.n)]),
    );
  }

  it('follow inserts, status and type changes and deletes made from two connections at once', async () => {
    const random = seededRandom(11);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const ids: string[] = [];
    const change = async (source: DataSource): Promise<void> => {
      const roll = random();
      if (ids.length < 20 || roll < 0.5) {
        const id = randomUUID();
        ids.push(id);
        await sql(
          source,
          `INSERT INTO tasks (id, task_type, status, created_at, input_params) VALUES (?, ?, ?, ?, '{}')`,
          id,
          pick(TASK_TYPES),
          pick(TASK_STATUSES),
          new Date().toISOString(),
        );
      } else if (roll < 0.8) {
        await sql(
          source,
          'UPDATE tasks SET status = ? WHERE id = ?',
          pick(TASK_STATUSES),
          pick(ids),
        );
      } else if (roll < 0.9) {
        // Updates that leave status and type alone must not count twice.
        await sql(source, 'UPDATE tasks SET progress = ? WHERE id = ?', random() * 100, pick(ids));
      } else if (roll < 0.95) {
        await sql(
          source,
          'UPDATE tasks SET task_type = ? WHERE id = ?',
          pick(TASK_TYPES),
          pick(ids),
        );
      } else {
        const id = ids.splice(Math.floor(random() * ids.length), 1)[0];
        await sql(source, 'DELETE FROM tasks WHERE id = ?', id);
      }
    };
    for (let round = 0; round < 40; round++) {
      await Promise.all(
        sources.flatMap((source) => Array.from({ length: 10 }, () => change(source))),
      );
    }
    const truth = await actual(sources[0]);
    expect(Object.values(truth).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    expect(await counted(sources[1])).toEqual(truth);
  });
});
