import { Browser } from 'playwright-core';
import type { TaskListResponse, TaskResponse, TaskStats } from '../../src/tasks/dto/task.response';
import { ApiClient } from '../utils/api-client';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';
import { waitForWorkers } from '../utils/workers-ready';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

interface ValidationCase {
  label: 'CSV processing' | 'E-mail sending' | 'Image processing';
  taskType: string;
  /** Form fields to fill, by label. */
  fill: Record<string, string>;
  /** The same submission as the form sends it, to ask the API for its own messages. */
  sent: Record<string, unknown>;
}

interface Problem {
  loc: (string | number)[];
  msg: string;
}

describe('Dashboard: validation, filters, cancel, retry and paging', () => {
  let service: TestService;
  let browser: Browser;
  let dashboard: DashboardPage;
  let api: ApiClient;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService({ APP_ROLE: 'api' }), launchChromium()]);
    service.spawnPeer({ APP_ROLE: 'worker' });
    api = new ApiClient(service.url);
    await waitForWorkers(service.url);
    dashboard = await DashboardPage.open(browser, service.url);
    await dashboard.waitUntilLive();
  });

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await service?.stop();
  });

  /** What the API itself answers for these parameters: the messages the page must show. */
  async function apiProblems(taskType: string, params: Record<string, unknown>) {
    const answer = await api.request<{ detail: Problem[] }>('POST', '/api/tasks/submit', {
      task_type: taskType,
      input_params: params,
    });
    expect(answer.status).toBe(422);
    return answer.body.detail;
  }

  it.each<ValidationCase>([
    {
      label: 'CSV processing',
      taskType: 'csv_processing',
      fill: { 'Rows to generate': '0', Delimiter: ';;' },
      sent: { num_rows: 0, delimiter: ';;', has_header: true, processing_time: 0 },
    },
    {
      label: 'E-mail sending',
      taskType: 'email_sending',
      fill: { From: 'not an address', 'Delay between e-mails (seconds)': '-1' },
      sent: {
        num_emails: 10,
        subject: 'Test Email',
        body: 'This is a test email sent by Conveyor.',
        from: 'not an address',
        delay_per_email: -1,
      },
    },
    {
      label: 'Image processing',
      taskType: 'image_processing',
      fill: { 'Width (px)': '9000', Quality: '0' },
      sent: {
        num_images: 5,
        target_width: 9000,
        target_height: 600,
        fit: 'cover',
        format: 'jpeg',
        quality: 0,
      },
    },
  ])(
    'shows the API message for a bad $taskType parameter next to its field',
    async ({ label, taskType, fill, sent }) => {
      const expected = await apiProblems(taskType, sent);
      expect(expected.length).toBe(2);
      const tasksBefore = (await api.request<TaskListResponse>('GET', '/api/tasks')).body.total;

      await dashboard.chooseTaskType(label);
      await dashboard.page.getByRole('button', { name: 'Reset to defaults' }).click();
      for (const [field, value] of Object.entries(fill)) await dashboard.field(field).fill(value);
      await dashboard.page.getByRole('button', { name: 'Submit task' }).click();

      for (const problem of expected) {
        const name = String(problem.loc[2]);
        await expect(dashboard.fieldError(name).textContent()).resolves.toBe(problem.msg);
        const input = dashboard.page.locator(`#field-${name}`);
        await expect(input.getAttribute('aria-invalid')).resolves.toBe('true');
        await expect(input.getAttribute('aria-describedby')).resolves.toContain(
          `field-${name}-error`,
        );
      }
      // Focus moves to the first field in error, so a keyboard user lands on it. It moves in an
      // effect, after the paint that shows the errors: wait for it rather than read it at once.
      const invalidIds = expected.map((problem) => `field-${String(problem.loc[2])}`);
      await waitFor('focus on the first field in error', async () =>
        invalidIds.includes(await dashboard.page.evaluate<string>('document.activeElement.id')),
      );
      await dashboard.screenshot(`form-errors-${taskType}`);
      expect((await api.request<TaskListResponse>('GET', '/api/tasks')).body.total).toBe(
        tasksBefore,
      );

      // Fixing the values clears the messages and the task goes through.
      await dashboard.page.getByRole('button', { name: 'Reset to defaults' }).click();
      await expect(dashboard.page.locator('.field-error').count()).resolves.toBe(0);
      const id = await dashboard.submitForm();
      await api.waitForStatus(id, ['SUCCESS']);
    },
  );

  it('filters the list by status and by type, and its counters match the API', async () => {
    const done = await Promise.all([
      api.submit('csv_processing', { num_rows: 10 }),
      api.submit('email_sending', { num_emails: 1 }),
      api.submit('image_processing', { num_images: 1 }),
    ]);
    const slow = await api.submit('csv_processing', { num_rows: 100, processing_time: 60 });
    await api.waitForStatus(slow.id, ['RUNNING']);
    await api.request('DELETE', `/api/tasks/${slow.id}`);
    await Promise.all(done.map((task) => api.waitForStatus(task.id, ['SUCCESS'])));

    const expectRows = async (query: string, description: string): Promise<void> => {
      const expected = (await api.request<TaskListResponse>('GET', `/api/tasks?${query}`)).body;
      const wanted = expected.tasks.map((task) => task.id);
      await waitFor(`the list to show ${description}`, async () => {
        return JSON.stringify(await dashboard.rowIds()) === JSON.stringify(wanted);
      });
      await expect(dashboard.page.locator('[data-page-range]').textContent()).resolves.toBe(
        `1–${expected.total} of ${expected.total}`,
      );
    };

    await dashboard.page.getByLabel('Status', { exact: true }).selectOption('SUCCESS');
    await expectRows('status=SUCCESS', 'only SUCCESS tasks');
    await dashboard.page.getByLabel('Type', { exact: true }).selectOption('email_sending');
    await expectRows('status=SUCCESS&task_type=email_sending', 'only successful e-mail tasks');
    await dashboard.screenshot('list-filtered');
    await dashboard.page.getByLabel('Status', { exact: true }).selectOption('');
    await expectRows('task_type=email_sending', 'every e-mail task');
    await dashboard.page.getByRole('button', { name: 'Clear filters' }).click();
    await expectRows('', 'every task');

    // The counters are buttons that filter by their status.
    const stats = (await api.request<TaskStats>('GET', '/api/tasks/stats')).body;
    for (const [status, count] of Object.entries(stats.counts)) {
      await waitFor(`the ${status} counter to read ${count}`, async () => {
        const text = await dashboard.page
          .locator(`[data-status-counter="${status}"] .counter-value`)
          .textContent();
        return text === String(count);
      });
    }
    const cancelled = dashboard.page.locator('[data-status-counter="CANCELLED"]');
    await cancelled.click();
    await expect(cancelled.getAttribute('aria-pressed')).resolves.toBe('true');
    await expect(dashboard.page.getByLabel('Status', { exact: true }).inputValue()).resolves.toBe(
      'CANCELLED',
    );
    await expectRows('status=CANCELLED', 'only CANCELLED tasks');
    await cancelled.click();
    await expectRows('', 'every task again');
  });

  it('cancels a running task, retries it, and links the retry and its original both ways', async () => {
    await dashboard.chooseTaskType('CSV processing');
    await dashboard.page.getByRole('button', { name: 'Reset to defaults' }).click();
    await dashboard.field('Minimum run time (seconds)').fill('120');
    const id = await dashboard.submitForm();
    const short = id.slice(0, 8);
    await dashboard.waitForRowStatus(id, 'RUNNING');

    const detail = await dashboard.openDetail(id);
    await detail.getByRole('button', { name: `Cancel task ${short}` }).click();
    await detail.locator('[data-detail-task][data-status="CANCELLED"]').waitFor();
    expect((await api.get(id)).status).toBe('CANCELLED');
    await dashboard.waitForRowStatus(id, 'CANCELLED');
    await expect(
      detail.getByRole('button', { name: `Cancel task ${short}` }).count(),
    ).resolves.toBe(0);
    await dashboard.screenshotDetail('detail-cancelled');

    await detail.getByRole('button', { name: `Retry task ${short}` }).click();
    const retryId = await waitFor('the detail view to show the retry', async () => {
      const shown = await detail.locator('[data-detail-task]').getAttribute('data-detail-task');
      return shown && shown !== id ? shown : undefined;
    });
    const retry: TaskResponse = await api.get(retryId);
    expect(retry.retry_of).toBe(id);
    expect(retry.input_params).toEqual((await api.get(id)).input_params);
    const backLink = detail.getByRole('link', { name: `Open original task ${short}` });
    await expect(backLink.getAttribute('href')).resolves.toBe(`#/tasks/${id}`);
    await dashboard.screenshotDetail('detail-retry');

    await backLink.click();
    await detail.locator(`[data-detail-task="${id}"]`).waitFor();
    const forward = detail.getByRole('link', { name: `Open retry ${retryId.slice(0, 8)}` });
    await forward.waitFor();
    await forward.click();
    await detail.locator(`[data-detail-task="${retryId}"]`).waitFor();

    // The retry runs like any task; cancel it from its row this time.
    await dashboard.closeDetail();
    await dashboard.waitForRowStatus(retryId, 'RUNNING');
    await dashboard
      .row(retryId)
      .getByRole('button', { name: `Cancel task ${retryId.slice(0, 8)}` })
      .click();
    await dashboard.waitForRowStatus(retryId, 'CANCELLED');
    expect((await api.get(retryId)).status).toBe('CANCELLED');
  });

  it('shows an API refusal in the page, not only in the console', async () => {
    const task = await api.submit('csv_processing', { num_rows: 100, processing_time: 60 });
    const short = task.id.slice(0, 8);
    await dashboard.waitForRowStatus(task.id, 'RUNNING');
    // Someone else cancels the task just before this page's own cancel reaches the API.
    const taskUrl = `**/api/tasks/${task.id}`;
    await dashboard.page.route(taskUrl, async (route) => {
      if (route.request().method() === 'DELETE') {
        await api.request('DELETE', `/api/tasks/${task.id}`);
      }
      await route.fallback();
    });
    await dashboard
      .row(task.id)
      .getByRole('button', { name: `Cancel task ${short}` })
      .click();
    const notice = dashboard.page
      .getByRole('alert')
      .filter({ hasText: `Could not cancel task ${short}` });
    await expect(notice.textContent()).resolves.toContain(
      'Cannot cancel task with status: CANCELLED',
    );
    await dashboard.page.unroute(taskUrl);
    await dashboard.screenshot('notice-error');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });
    await dashboard.waitForRowStatus(task.id, 'CANCELLED');
  });

  it('pages through the list without loading more than one page', async () => {
    await Promise.all(
      Array.from({ length: 12 }, () => api.submit('email_sending', { num_emails: 1 })),
    );
    const all = (await api.request<TaskListResponse>('GET', '/api/tasks?limit=100')).body;
    await Promise.all(
      all.tasks.map((task) => api.waitForStatus(task.id, ['SUCCESS', 'CANCELLED'])),
    );
    const total = all.total;
    expect(total).toBeGreaterThan(20);

    await dashboard.page.getByLabel('Per page').selectOption('10');
    const range = dashboard.page.locator('[data-page-range]');
    const firstIdShown = () => dashboard.rows().first().getAttribute('data-task-id');
    await waitFor(
      'the first page of 10',
      async () => (await range.textContent()) === `1–10 of ${total}`,
    );
    await expect(dashboard.rows().count()).resolves.toBe(10);
    await expect(firstIdShown()).resolves.toBe(all.tasks[0].id);

    const listRequests: string[] = [];
    dashboard.page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/tasks/') listRequests.push(request.url());
    });
    await dashboard.page.getByRole('button', { name: 'Next' }).click();
    await waitFor(
      'the second page',
      async () => (await range.textContent()) === `11–20 of ${total}`,
    );
    await waitFor(
      'the rows of the second page',
      async () => (await firstIdShown()) === all.tasks[10].id,
    );
    expect(listRequests.every((url) => /limit=10&offset=10/.test(url))).toBe(true);

    await dashboard.page.getByRole('button', { name: 'Last page' }).click();
    const lastStart = Math.floor((total - 1) / 10) * 10;
    await waitFor(
      'the last page',
      async () => (await range.textContent()) === `${lastStart + 1}–${total} of ${total}`,
    );
    await waitFor(
      'the rows of the last page',
      async () => (await dashboard.rows().count()) === total - lastStart,
    );
    await expect(dashboard.rows().last().getAttribute('data-task-id')).resolves.toBe(
      all.tasks[total - 1].id,
    );
    await dashboard.page.getByRole('button', { name: 'First page' }).click();
    await waitFor(
      'the first page again',
      async () => (await range.textContent()) === `1–10 of ${total}`,
    );
  });
});
