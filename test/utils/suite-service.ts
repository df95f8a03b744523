import { ApiClient } from './api-client';
import { DatabaseEnv, isolatedDatabase } from './databases';
import { startService, TestService } from './start-service';

export interface SuiteService {
  readonly service: TestService;
  readonly api: ApiClient;
  readonly database: DatabaseEnv;
}

/**
 * Starts a service with a database of its own before the suite's tests and removes both after;
 * the returned object's fields are set once beforeAll has run.
 */
export function serviceForSuite(env: Record<string, string> = {}): SuiteService {
  const database = isolatedDatabase();
  const suite = { database } as { service: TestService; api: ApiClient; database: DatabaseEnv };
  beforeAll(async () => {
    suite.service = await startService({ ...database.env, ...env });
    suite.api = new ApiClient(suite.service.url);
  });
  afterAll(async () => {
    await suite.service?.stop();
    await database.drop();
  });
  return suite;
}
