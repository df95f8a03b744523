import { Browser } from 'playwright-core';
import type { TaskListResponse } from '../../src/tasks/dto/task.response';
import { ApiClient } from '../utils/api-client';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(180_000);

const TASK_COUNT = 3000;
const SUBMITS_IN_FLIGHT = 25;

describe('Dashboard: many thousands of tasks', () => {
  let service: TestService;
  let browser: Browser;
  let api: ApiClient;

  beforeAll(async () => {
    // No worker: the tasks stay PENDING, so the list holds still while it is paged.
    [service, browser] = await Promise.all([startService({ APP_ROLE: 'api' }), launchChromium()]);
    api = new ApiClient(service.url);
    let next = 0;
    await Promise.all(
      Array.from({ length: SUBMITS_IN_FLIGHT }, async () => {
        while (next < TASK_COUNT) {
          next++;
          await api.submit('email_sending', { num_emails: 1 });
        }
      }),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('shows one page at a time, and reaches the last page in one request', async () => {
    const dashboard = await DashboardPage.open(browser, service.url);
    const { page } = dashboard;
    const listRequests: URL[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/tasks/') listRequests.push(url);
    });
    const range = page.locator('[data-page-range]');
    const total = TASK_COUNT.toLocaleString('en-US');
    await waitFor('the first page', async () => (await range.textContent()) === `1–25 of ${total}`);
    await expect(dashboard.rows().count()).resolves.toBe(25);
    // The counters come from their own request, which may answer after the first page.
    const pendingCounter = page.locator('[data-status-counter="PENDING"] .counter-value');
    await waitFor(
      `the PENDING counter at ${total}`,
      async () => (await pendingCounter.textContent()) === total,
    );

    const before = listRequests.length;
    const lastOffset = Math.floor((TASK_COUNT - 1) / 25) * 25;
    const lastRange = `${(lastOffset + 1).toLocaleString('en-US')}–${total} of ${total}`;
    await page.getByRole('button', { name: 'Last page' }).click();
    await waitFor('the last page', async () => (await range.textContent()) === lastRange);
    await expect(dashboard.rows().count()).resolves.toBe(25);
    const oldest = (
      await api.request<TaskListResponse>('GET', `/api/tasks?limit=1&offset=${TASK_COUNT - 1}`)
    ).body.tasks[0];
    await expect(dashboard.rows().last().getAttribute('data-task-id')).resolves.toBe(oldest.id);
    const lastPageRequests = listRequests.slice(before);
    expect(lastPageRequests.map((url) => url.search)).toEqual([`?limit=25&offset=${lastOffset}`]);
    // Never more than one page asked for, whatever the list's length.
    expect(listRequests.every((url) => Number(url.searchParams.get('limit')) <= 100)).toBe(true);
    await dashboard.close();
  });
});
