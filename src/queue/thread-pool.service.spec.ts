import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { THREAD_YOUNG_GENERATION_MB, ThreadPool } from './thread-pool.service';

const YOUNG_GENERATION_PROBE = join(__dirname, '..', 'testing', 'young-generation.thread.js');

describe('ThreadPool', () => {
  const config = {
    concurrency: { csv_processing: 1, image_processing: 1 },
  } as unknown as AppConfig;
  let pool: ThreadPool;

  beforeEach(() => (pool = new ThreadPool(config)));
  afterEach(() => pool.onApplicationShutdown());

  it("bounds a thread's young generation, which a parse's garbage would otherwise fill", async () => {
    const result = await pool.run(
      YOUNG_GENERATION_PROBE,
      {},
      {
        signal: new AbortController().signal,
        onProgress: () => undefined,
        log: () => undefined,
      },
    );
    // V8's default for a thread lets the new space grow to 32 MB under this garbage.
    expect(result.largestNewSpaceMb).toBeGreaterThan(0);
    expect(result.largestNewSpaceMb).toBeLessThanOrEqual(THREAD_YOUNG_GENERATION_MB);
  });
});
