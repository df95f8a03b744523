import type { Browser } from 'playwright-core';
import { ApiClient } from './api-client';
import { launchChromium } from './browser';
import { startService, TestService } from './start-service';
import { waitForWorkers } from './workers-ready';

export interface DashboardSuite {
  readonly service: TestService;
  readonly api: ApiClient;
  readonly browser: Browser;
}

/**
 * What a browser suite runs against: an API process that runs no processors, a separate worker
 * process (so every change to a task comes from another process) and Chromium; all stopped
 * after the suite. The fields are set once beforeAll has run.
 */
export function dashboardSuite(): DashboardSuite {
  const suite = {} as { service: TestService; api: ApiClient; browser: Browser };
  beforeAll(async () => {
    [suite.service, suite.browser] = await Promise.all([
      startService({ APP_ROLE: 'api' }),
      launchChromium(),
    ]);
    suite.service.spawnPeer({ APP_ROLE: 'worker' });
    suite.api = new ApiClient(suite.service.url);
    await waitForWorkers(suite.service.url);
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.service?.stop();
  });
  return suite;
}
