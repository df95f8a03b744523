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

describe('Dashboard: signing in with an API key', () => {
  let service: TestService;
  let browser: Browser;
  let viewer: CreatedKey;
  let operator: CreatedKey;

  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({ AUTH_MODE: 'keys', ADMIN_API_KEY: ADMIN_KEY }),
      launchChromium(),
    ]);
    await waitForWorkers(service.url);
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

  /** The key must be nowhere the page or a script could read it later. */
  async function expectKeyNowhere(dashboard: DashboardPage, key: string): Promise<void> {
    // Evaluated in the page, as text: this project's tests have no DOM types.
    const stored = await dashboard.page.evaluate<string>(
      `JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, url: location.href })`,
    );
    expect(stored.includes(key)).toBe(false);
    expect(stored).not.toContain('conveyor_session');
    expect(dashboard.requests.some((url) => url.includes(key))).toBe(false);
    const cookies = await dashboard.context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'conveyor_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    expect(session?.value.includes(key)).toBe(false);
  }

  it('asks for a key, refuses a wrong one, and shows a viewer everything but the controls', async () => {
    const task = await new ApiClient(service.url, bearer(operator.key)).request<{ id: string }>(
      'POST',
      '/api/tasks/submit',
      { task_type: 'csv_processing', input_params: { num_rows: 5 } },
    );
    // A wrong key keeps the sign-in screen, with the API's message.
    const context = await browser.newContext();
    try {
      const wrong = await context.newPage();
      await wrong.goto(service.url);
      await wrong.getByLabel('API key').fill('cvk_wrong');
      await wrong.getByRole('button', { name: 'Sign in' }).click();
      await expect(wrong.getByRole('alert').innerText()).resolves.toMatch(/unknown or revoked/);
      expect(await wrong.getByRole('button', { name: 'Submit task' }).count()).toBe(0);
    } finally {
      await context.close();
    }

    const page = await DashboardPage.open(browser, service.url, { signInWith: viewer.key });
    try {
      await expect(page.page.locator('[data-auth="keys"]').innerText()).resolves.toMatch(
        /Signed in as watcher \(viewer, alpha\)/,
      );
      await page.waitUntilLive();
      await page.row(task.body.id).waitFor();
      expect(await page.page.getByRole('button', { name: 'Submit task' }).count()).toBe(0);
      expect(await page.page.locator('[data-role-note="viewer"]').count()).toBe(1);
      expect(await page.row(task.body.id).getByRole('button').count()).toBe(0);
      expect(await page.page.getByRole('heading', { name: 'Audit log' }).count()).toBe(0);
      await expectKeyNowhere(page, viewer.key);
      await page.screenshot('sign-in-viewer');

      await page.page.getByRole('button', { name: 'Sign out' }).click();
      await page.page.getByLabel('API key').waitFor();
      const after = await page.page.evaluate<number>(`fetch('/api/tasks/').then((r) => r.status)`);
      expect(after).toBe(401);
    } finally {
      await page.close();
    }
  });

  it('lets an operator submit through the form and watch the task run live', async () => {
    const page = await DashboardPage.open(browser, service.url, { signInWith: operator.key });
    try {
      await page.page.getByRole('heading', { name: 'New task' }).waitFor();
      await page.waitUntilLive();
      await page.chooseTaskType('CSV processing');
      await page.field('Rows to generate').fill('2000');
      await page.field('Minimum run time (seconds)').fill('1');
      const id = await page.submitForm();
      await page.waitForRowStatus(id, 'RUNNING');
      await page.waitForRowStatus(id, 'SUCCESS');
      const task = await new ApiClient(service.url, bearer(operator.key)).get(id);
      expect(task).toMatchObject({ status: 'SUCCESS', project: 'alpha' });
      await expectKeyNowhere(page, operator.key);
      expect(page.pageErrors).toEqual([]);
      await page.screenshot('sign-in-operator');
    } finally {
      await page.close();
    }
  });

  it('sends the page back to sign-in when its key is revoked', async () => {
    const shortLived = await createKey(service.url, ADMIN_KEY, {
      name: 'short',
      role: 'viewer',
      project: 'alpha',
    });
    const page = await DashboardPage.open(browser, service.url, { signInWith: shortLived.key });
    try {
      await page.waitUntilLive();
      const revoked = await new ApiClient(service.url, bearer(ADMIN_KEY)).request(
        'DELETE',
        `/api/keys/${shortLived.id}`,
      );
      expect(revoked.status).toBe(200);
      // The next refresh (a new task's event, or the page's own polling) meets the 401.
      await new ApiClient(service.url, bearer(operator.key)).request('POST', '/api/tasks/submit', {
        task_type: 'csv_processing',
        input_params: { num_rows: 3 },
      });
      await waitFor(
        'the page to ask for a key again',
        async () => (await page.page.getByLabel('API key').count()) > 0,
        { timeoutMs: 30_000 },
      );
    } finally {
      await page.close();
    }
  });
});
