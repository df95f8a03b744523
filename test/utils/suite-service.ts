import { ApiClient } from './api-client';
import { isolatedDatabase } from './databases';
import { startService, TestService } from './start-service';

export interface SuiteService {
  readonly service: TestService;
  readonly api: ApiClient;
}

/**
 * Starts a service with a database of its own before the suite's tests and removes both after;
 * the returned object's fields are set once beforeAll has run.
 */
export function serviceForSuite(env: Record<string, string> = {}): SuiteService {
  const database = isolatedDatabase();
  const suite = {} as { service: TestService; api: ApiClient };
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
