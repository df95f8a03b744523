import type { Browser } from 'playwright-core';
import { adminApiKey, createKey, CreatedKey } from '../utils/api-keys';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { ServiceProcess, startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';

jest.setTimeout(120_000);

const ADMIN_KEY = adminApiKey();

describe('Dashboard: the workers view', () => {
  let service: TestService;
  let browser: Browser;
  let workers: ServiceProcess[];
  let viewer: CreatedKey;
  let operator: CreatedKey;

  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({
        APP_ROLE: 'api',
        AUTH_MODE: 'keys',
        ADMIN_API_KEY: ADMIN_KEY,
        WORKER_HEARTBEAT_TTL_SECONDS: '3',
      }),
      launchChromium(),
    ]);
    workers = [
      service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '1' }),
      service.spawnPeer({ APP_ROLE: 'worker', CSV_CONCURRENCY: '3' }),
    ];
    [viewer, operator] = await Promise.all([
      createKey(service.url, ADMIN_KEY, { name: 'watcher', role: 'viewer', project: 'alpha' }),
      createKey(service.url, ADMIN_KEY, { name: 'runner', role: 'operator', project: 'alpha' }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('shows a viewer each worker, its concurrency and running task, and drops one that stops', async () => {
    const page = await DashboardPage.open(browser, service.url, { signInWith: viewer.key });
    try {
      const panel = page.page.locator('.workers-panel');
      await panel.getByRole('heading', { name: 'Workers' }).waitFor();
      const row = (worker: ServiceProcess) => panel.locator(`tr[data-pid="${worker.child.pid}"]`);
      for (const worker of workers) await row(worker).waitFor({ timeout: 60_000 });
      await expect(
        row(workers[0]).locator('[data-task-type="csv_processing"]').innerText(),
      ).resolves.toBe('CSV processing × 1');
      await expect(
        row(workers[1]).locator('[data-task-type="csv_processing"]').innerText(),
      ).resolves.toBe('CSV processing × 3');

      const task = await operator.api.submit('csv_processing', {
        num_rows: 20,
        processing_time: 60,
      });
      const link = panel.locator(`[data-running-task="${task.id}"]`);
      await link.waitFor();
      expect(await link.innerText()).toBe(task.id.slice(0, 8));
      await page.screenshot('workers-view');
      await link.click();
      await page.detail().locator(`[data-detail-task="${task.id}"]`).waitFor();
      await page.closeDetail();

      const cancelled = await operator.api.request('DELETE', `/api/tasks/${task.id}`);
      expect(cancelled.status).toBe(200);
      await link.waitFor({ state: 'detached' });

      expect(await workers[0].stop()).toBe(0);
      await row(workers[0]).waitFor({ state: 'detached' });
      await workers[1].kill();
      await waitFor(
        'the killed worker to leave the view',
        async () => (await panel.locator('tr[data-pid]').count()) === 0,
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      await panel.getByText('No worker process is running').waitFor();
      expect(page.pageErrors).toEqual([]);
      // The page asks for its session before signing in, and the browser logs that 401.
      expect(page.consoleErrors.filter((error) => !error.url.endsWith('/api/session'))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
