import type { Browser } from 'playwright-core';
import { ApiClient } from '../utils/api-client';
import { adminApiKey, bearer, createKey, CreatedKey } from '../utils/api-keys';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';
import { waitForWorkers } from '../utils/workers-ready';

jest.setTimeout(120_000);

const ADMIN_KEY = adminApiKey();

interface QueueState {
  task_type: string;
  paused: boolean;
}

describe('Dashboard: the queues panel', () => {
  let service: TestService;
  let browser: Browser;
  let viewer: CreatedKey;
  let operator: CreatedKey;
  let globalAdmin: CreatedKey;

  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({ AUTH_MODE: 'keys', ADMIN_API_KEY: ADMIN_KEY }),
      launchChromium(),
    ]);
    await waitForWorkers(service.url);
    const key = (name: string, role: 'viewer' | 'operator' | 'admin', project: string) =>
      createKey(service.url, ADMIN_KEY, { name, role, project });
    viewer = await key('watcher', 'viewer', 'alpha');
    operator = await key('runner', 'operator', 'alpha');
    globalAdmin = await key('on-call', 'admin', '*');
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  const stateCell = (dashboard: DashboardPage, type: string) =>
    dashboard.page.locator(`tr[data-queue="${type}"] [data-state]`);

  it('shows every key the queues, and Pause/Resume only to keys of every project', async () => {
    for (const key of [viewer, operator]) {
      const dashboard = await DashboardPage.open(browser, service.url, { signInWith: key.key });
      try {
        await waitFor(
          'the queues panel',
          async () => (await dashboard.page.locator('tr[data-queue]').count()) === 3,
        );
        await expect(stateCell(dashboard, 'csv_processing').innerText()).resolves.toBe('running');
        expect(await dashboard.page.getByRole('button', { name: /^(Pause|Resume) / }).count()).toBe(
          0,
        );
        expect(dashboard.pageErrors).toEqual([]);
      } finally {
        await dashboard.close();
      }
    }
  });

  it('pauses and resumes a queue from its button, and shows the task waiting meanwhile', async () => {
    const api = new ApiClient(service.url, bearer(ADMIN_KEY));
    const dashboard = await DashboardPage.open(browser, service.url, {
      signInWith: globalAdmin.key,
    });
    try {
      await dashboard.page.getByRole('button', { name: 'Pause csv_processing' }).click();
      await waitFor(
        'the panel to show csv_processing paused',
        async () => (await stateCell(dashboard, 'csv_processing').innerText()) === 'paused',
      );
      const queues = await api.request<QueueState[]>('GET', '/api/queues');
      expect(queues.body.find((queue) => queue.task_type === 'csv_processing')?.paused).toBe(true);

      const held = await operator.api.submit('csv_processing', { num_rows: 5 });
      const waiting = dashboard.page.locator(
        'tr[data-queue="csv_processing"] [data-count="waiting"]',
      );
      await waitFor(
        'the held task to show as waiting',
        async () => (await waiting.innerText()) === '1',
      );
      expect((await operator.api.get(held.id)).status).toBe('PENDING');

      await dashboard.page.getByRole('button', { name: 'Resume csv_processing' }).click();
      await waitFor(
        'the panel to show csv_processing running',
        async () => (await stateCell(dashboard, 'csv_processing').innerText()) === 'running',
      );
      await expect(operator.api.waitForStatus(held.id, ['SUCCESS'], 60_000)).resolves.toMatchObject(
        {
          status: 'SUCCESS',
        },
      );
      await waitFor('the waiting count to drop', async () => (await waiting.innerText()) === '0');
      expect(dashboard.pageErrors).toEqual([]);
      // The one 401 is the page asking who it is before signing in.
      expect(
        dashboard.consoleErrors.filter((error) => !error.url.endsWith('/api/session')),
      ).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});
