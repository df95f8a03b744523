import { Browser } from 'playwright-core';
import type { TaskListResponse } from '../../src/tasks/dto/task.response';
import { ApiClient } from '../utils/api-client';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

describe('Dashboard: search, selection and bulk actions', () => {
  let service: TestService;
  let browser: Browser;
  let api: ApiClient;
  let dashboard: DashboardPage;
  const needle = `needle-${Date.now().toString(36)}`;
  const found: string[] = [];
  const others: string[] = [];

  beforeAll(async () => {
    // No worker: the tasks stay PENDING, so what a cancel can reach holds still.
    [service, browser] = await Promise.all([startService({ APP_ROLE: 'api' }), launchChromium()]);
    api = new ApiClient(service.url);
    for (let i = 0; i < 3; i++)
      found.push((await api.submit('email_sending', { num_emails: 1, subject: needle })).id);
    for (let i = 0; i < 2; i++)
      others.push((await api.submit('email_sending', { num_emails: 1, subject: 'other' })).id);
    dashboard = await DashboardPage.open(browser, service.url);
  });

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await service?.stop();
  });

  const statuses = async (ids: string[]): Promise<string[]> => {
    const page = await api.request<TaskListResponse>('GET', '/api/tasks/?limit=100');
    return ids.map((id) => page.body.tasks.find((task) => task.id === id)?.status ?? 'missing');
  };
  const rowsShown = async (): Promise<string[]> => (await dashboard.rowIds()).sort();

  it('searches, then cancels the selected rows after showing how many', async () => {
    const { page } = dashboard;
    await waitFor('every task listed', async () => (await dashboard.rowIds()).length === 5);
    await page.getByLabel('Search').fill(needle);
    await page.getByLabel('Search').press('Enter');
    await waitFor('only the matching tasks', async () => {
      return JSON.stringify(await rowsShown()) === JSON.stringify([...found].sort());
    });

    await page.getByLabel(`Select task ${found[0].slice(0, 8)}`).check();
    await page.getByRole('button', { name: 'Cancel selected (1)' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Confirm bulk action' });
    await expect(confirmation.textContent()).resolves.toContain('1 task will be cancelled');
    expect(await statuses(found)).toStrictEqual(['PENDING', 'PENDING', 'PENDING']);
    await confirmation.getByRole('button', { name: 'Confirm cancel' }).click();
    await waitFor('the selected task cancelled', async () => {
      return (await statuses(found)).join() === 'CANCELLED,PENDING,PENDING';
    });
    await waitFor('the notice', async () =>
      (await page.textContent('body'))!.includes('1 task cancelled of 1 matched.'),
    );
  });

  it('cancels every pending match of the search only on confirm, and no other task', async () => {
    const { page } = dashboard;
    await page.getByRole('button', { name: 'Cancel all pending matching' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Confirm bulk action' });
    await expect(confirmation.textContent()).resolves.toContain('2 tasks will be cancelled');
    await confirmation.getByRole('button', { name: 'Back' }).click();
    expect(await statuses(found)).toStrictEqual(['CANCELLED', 'PENDING', 'PENDING']);

    await page.getByRole('button', { name: 'Cancel all pending matching' }).click();
    await confirmation.getByRole('button', { name: 'Confirm cancel' }).click();
    await waitFor('every match cancelled', async () =>
      (await statuses(found)).every((status) => status === 'CANCELLED'),
    );
    expect(await statuses(others)).toStrictEqual(['PENDING', 'PENDING']);
  });

  it('retries all the selected rows as new tasks', async () => {
    const { page } = dashboard;
    await waitFor('the rows to show CANCELLED', async () => {
      const samples = await Promise.all(found.map((id) => dashboard.rowSample(id)));
      return samples.every((sample) => sample?.status === 'CANCELLED');
    });
    await page.getByLabel('Select all tasks shown').check();
    await page.getByRole('button', { name: 'Retry selected (3)' }).click();
    const confirmation = page.getByRole('alertdialog', { name: 'Confirm bulk action' });
    await expect(confirmation.textContent()).resolves.toContain('3 tasks will be retried');
    await confirmation.getByRole('button', { name: 'Confirm retry' }).click();
    for (const id of found) {
      await waitFor(`a retry of ${id}`, async () => {
        const retries = await api.request<TaskListResponse>('GET', `/api/tasks/?retry_of=${id}`);
        return retries.body.total === 1;
      });
    }
  });
});
