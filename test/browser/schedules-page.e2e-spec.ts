import type { Browser } from 'playwright-core';
import type { ScheduleResponse } from '../../src/schedules/schedule.response';
import { adminApiKey, createKey, CreatedKey } from '../utils/api-keys';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';

jest.setTimeout(120_000);

const ADMIN_KEY = adminApiKey();

describe('Dashboard: the schedules page', () => {
  let service: TestService;
  let browser: Browser;
  let viewer: CreatedKey;
  let operator: CreatedKey;

  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({ APP_ROLE: 'api', AUTH_MODE: 'keys', ADMIN_API_KEY: ADMIN_KEY }),
      launchChromium(),
    ]);
    viewer = await createKey(service.url, ADMIN_KEY, {
      name: 'watcher',
      role: 'viewer',
      project: 'alpha',
    });
    operator = await createKey(service.url, ADMIN_KEY, {
      name: 'runner',
      role: 'operator',
      project: 'alpha',
    });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  const schedules = async (): Promise<ScheduleResponse[]> =>
    (await operator.api.request<{ schedules: ScheduleResponse[] }>('GET', '/api/schedules')).body
      .schedules;

  it('creates a schedule, lists it with its next runs, and disables it', async () => {
    const dashboard = await DashboardPage.open(browser, service.url, { signInWith: operator.key });
    const page = dashboard.page;
    try {
      await page.getByRole('link', { name: 'Schedules' }).click();
      await page.getByRole('button', { name: 'New schedule' }).click();
      const form = page.getByRole('form', { name: 'New schedule' });
      await form.getByLabel('Name').fill('daily report');
      await form.getByLabel('Cron', { exact: true }).fill('0 6 * * *');
      await form.getByLabel('Time zone').fill('America/New_York');
      // A cron with seconds is refused with the API's message, and nothing is created.
      await form.getByLabel('Cron', { exact: true }).fill('0 0 6 * * *');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      await waitFor('the refusal', async () =>
        (await form.getByRole('alert').allInnerTexts()).some((text) =>
          text.includes('seconds (6 fields) is not supported'),
        ),
      );
      expect(await schedules()).toEqual([]);

      await form.getByLabel('Cron', { exact: true }).fill('0 6 * * *');
      await form.getByRole('button', { name: 'Create schedule' }).click();
      const row = page.locator('tr[data-schedule]', { hasText: 'daily report' });
      await row.waitFor();
      const [created] = await schedules();
      expect(created).toMatchObject({ name: 'daily report', timezone: 'America/New_York' });
      // The next runs the API computed are the ones listed.
      const times = row.locator('[data-next-runs] time');
      const shown: (string | null)[] = [];
      for (let i = 0; i < (await times.count()); i += 1) {
        shown.push(await times.nth(i).getAttribute('datetime'));
      }
      expect(shown).toEqual(created.next_runs.slice(0, 3));
      expect(shown).toHaveLength(3);
      await expect(row.locator('[data-state]').innerText()).resolves.toBe('enabled');
      await dashboard.screenshot('schedules');

      await page.getByRole('button', { name: 'Disable daily report' }).click();
      await waitFor(
        'the row to show it disabled',
        async () => (await row.locator('[data-state]').innerText()) === 'disabled',
      );
      const [disabled] = await schedules();
      expect(disabled).toMatchObject({ enabled: false, next_run_at: null, next_runs: [] });
      expect(await row.locator('[data-next-runs]').innerText()).toBe('none');
      expect(dashboard.pageErrors).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });

  it('shows a viewer the list without any control', async () => {
    const dashboard = await DashboardPage.open(browser, service.url, { signInWith: viewer.key });
    const page = dashboard.page;
    try {
      await page.getByRole('link', { name: 'Schedules' }).click();
      const panel = page.getByRole('region', { name: 'Schedules' });
      await panel.locator('tr[data-schedule]', { hasText: 'daily report' }).waitFor();
      expect(
        await panel
          .getByRole('button', { name: /New schedule|Disable|Enable|Delete|Edit/ })
          .count(),
      ).toBe(0);
      await expect(panel.locator('[data-role-note="viewer"]').isVisible()).resolves.toBe(true);
      expect(dashboard.pageErrors).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});
