import { Logger } from '@nestjs/common';
import type { Database } from 'better-sqlite3';
import { openTestDatabase, TestDatabase } from '../testing/test-databases';
import { SQLITE_AUTOCHECKPOINT_PAGES } from './data-source';
import { WalCheckpointer } from './wal-checkpointer.service';

const autocheckpointOf = (database: TestDatabase): number =>
  (
    database.dataSource.driver as unknown as { databaseConnection: Database }
  ).databaseConnection.pragma('wal_autocheckpoint', { simple: true }) as number;

describe('WalCheckpointer', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase('sqlite');
  });

  afterEach(async () => {
    await database.drop();
  });

  it('leaves checkpoints to the main connection, with a warning, when its thread cannot run', async () => {
    // Under ts-jest the compiled thread file is not there: the thread fails as a broken one would.
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const checkpointer = new WalCheckpointer(database.config, database.dataSource);
    const connection = database.dataSource.driver as unknown as { databaseConnection: Database };
    connection.databaseConnection.pragma('wal_autocheckpoint = 0');
    try {
      checkpointer.onApplicationBootstrap();
      const deadline = Date.now() + 10_000;
      // The thread comes online (the main connection steps back) and then fails to load.
      while (warn.mock.calls.length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(autocheckpointOf(database)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/WAL checkpoint thread .*checkpoints go back to the main connection/),
      );
      await checkpointer.onApplicationShutdown();
      // The thread's error and its exit are one failure: told once.
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      await checkpointer.onApplicationShutdown();
      warn.mockRestore();
    }
  });

  it('does nothing on PostgreSQL', async () => {
    const postgres = await openTestDatabase('postgres');
    try {
      const checkpointer = new WalCheckpointer(postgres.config, postgres.dataSource);
      checkpointer.onApplicationBootstrap();
      await expect(checkpointer.onApplicationShutdown()).resolves.toBeUndefined();
    } finally {
      await postgres.drop();
    }
  });
});
