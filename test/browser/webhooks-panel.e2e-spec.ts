import type { Browser } from 'playwright-core';
import { adminApiKey, createKey, CreatedKey } from '../utils/api-keys';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';
import { WebhookReceiver } from '../utils/webhook-receiver';

jest.setTimeout(120_000);

const ADMIN_KEY = adminApiKey();

describe('Dashboard: the webhooks panel', () => {
  let service: TestService;
  let browser: Browser;
  let receiver: WebhookReceiver;
  let operator: CreatedKey;
  let viewer: CreatedKey;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    [service, browser] = await Promise.all([
      startService({ AUTH_MODE: 'keys', ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_ALLOW_PRIVATE: 'true' }),
      launchChromium(),
    ]);
    operator = await createKey(service.url, ADMIN_KEY, {
      name: 'runner',
      role: 'operator',
      project: 'alpha',
    });
    viewer = await createKey(service.url, ADMIN_KEY, {
      name: 'watcher',
      role: 'viewer',
      project: 'alpha',
    });
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await receiver?.close();
  });

  it('adds a webhook showing its secret once, shows its deliveries, and deletes it', async () => {
    const dashboard = await DashboardPage.open(browser, service.url, {
      signInWith: operator.key,
    });
    const page = dashboard.page;
    try {
      const url = receiver.url('/from-dashboard');
      await page.locator('input[name="webhook-url"]').fill(url);
      await page.locator('input[name="task.cancelled"]').uncheck();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const secret = await waitFor('the secret shown', async () => {
        const shown = page.locator('[data-webhook-secret]');
        return (await shown.count()) === 1 && (await shown.innerText());
      });
      expect(secret).toMatch(/^whsec_/);
      const listed = await operator.api.request<{ id: string; events: string[] }[]>(
        'GET',
        '/api/webhooks',
      );
      expect(listed.body).toHaveLength(1);
      expect(listed.body[0].events.sort()).toEqual(['task.failed', 'task.succeeded']);
      const id = listed.body[0].id;
      await expect(
        page.locator(`[data-webhook-id="${id}"] [data-webhook-url]`).innerText(),
      ).resolves.toBe(url);

      // Once dismissed, the secret is nowhere on the page, nor after a reload.
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await waitFor(
        'the secret gone',
        async () => (await page.locator('[data-webhook-secret]').count()) === 0,
      );
      await page.reload();
      await page.locator(`[data-webhook-id="${id}"]`).waitFor();
      expect(await page.content()).not.toContain(secret);

      // A delivery shows under the webhook.
      const task = await operator.api.submit('csv_processing', { num_rows: 5 });
      await waitFor('the delivery', () =>
        receiver.at('/from-dashboard').some((call) => call.json.task.id === task.id),
      );
      await page
        .locator(`[data-webhook-id="${id}"]`)
        .getByRole('button', { name: 'Deliveries' })
        .click();
      await waitFor(
        'the delivery row',
        async () =>
          (await page.locator(`[data-deliveries="${id}"] tr[data-delivered="yes"]`).count()) === 1,
      );

      await page.getByRole('button', { name: `Delete the webhook to ${url}` }).click();
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await waitFor(
        'the row gone',
        async () => (await page.locator(`[data-webhook-id="${id}"]`).count()) === 0,
      );
      expect((await operator.api.request<unknown[]>('GET', '/api/webhooks')).body).toEqual([]);
      expect(dashboard.pageErrors).toEqual([]);
      expect(dashboard.dialogs).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });

  it('lets a viewer see webhooks but not add or delete them', async () => {
    await operator.api.request('POST', '/api/webhooks', {
      url: receiver.url('/viewer-sees'),
      events: ['task.failed'],
    });
    const dashboard = await DashboardPage.open(browser, service.url, { signInWith: viewer.key });
    try {
      await dashboard.page.locator('[data-webhook-id]').first().waitFor();
      expect(await dashboard.page.locator('input[name="webhook-url"]').count()).toBe(0);
      expect(
        await dashboard.page.getByRole('button', { name: /^Delete the webhook/ }).count(),
      ).toBe(0);
      expect(dashboard.pageErrors).toEqual([]);
    } finally {
      await dashboard.close();
    }
  });
});
