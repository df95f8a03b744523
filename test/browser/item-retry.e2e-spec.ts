import { readFile } from 'node:fs/promises';
import { Browser } from 'playwright-core';
import type { TaskResponse } from '../../src/tasks/dto/task.response';
import { ApiClient } from '../utils/api-client';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { TestSmtpServer } from '../utils/test-smtp-server';
import { waitForWorkers } from '../utils/workers-ready';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

const FINISHED = ['SUCCESS', 'FAILED', 'CANCELLED'];

describe('Dashboard: retry of the failed items and the items download', () => {
  let smtp: TestSmtpServer;
  let service: TestService;
  let browser: Browser;
  let dashboard: DashboardPage;
  let api: ApiClient;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    [service, browser] = await Promise.all([
      startService({ APP_ROLE: 'api', SMTP_URL: smtp.url }),
      launchChromium(),
    ]);
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
    await smtp?.close();
  });

  async function run(taskType: string, params: Record<string, unknown>): Promise<TaskResponse> {
    const task = await api.submit(taskType, params);
    return api.waitForStatus(task.id, FINISHED);
  }

  it('offers "Retry failed items (N)" beside Retry, downloads the items, and opens the new task', async () => {
    const first = await run('email_sending', {
      recipients: ['fine@browser.test', 'rejected-a@browser.test', 'rejected-b@browser.test'],
      subject: 'Hello',
      body: 'Hi',
    });
    expect(first.result_data).toMatchObject({ failed: 2 });
    const detail = await dashboard.openDetail(first.id);

    const download = detail.getByRole('link', { name: 'Download items (CSV)' });
    const [file] = await Promise.all([dashboard.page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toBe(`task-${first.id}-items.csv`);
    const text = await readFile(await file.path(), 'utf8');
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('recipient,status,response');
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^fine@browser\.test,delivered,250 /),
      'rejected-a@browser.test,failed,550 5.1.1 No such user here',
      'rejected-b@browser.test,failed,550 5.1.1 No such user here',
    ]);

    await detail.getByRole('button', { name: /Retry the 2 failed items/ }).click();
    // The detail view moves to the new task, which says what it is a retry of.
    await detail.locator(`[data-retry-of="${first.id}"]`).waitFor({ timeout: 30_000 });
    const retryId = await detail.locator('[data-detail-task]').getAttribute('data-detail-task');
    expect(retryId).not.toBe(first.id);
    const retry = await api.waitForStatus(retryId as string, FINISHED);
    expect(retry).toMatchObject({ retry_of: first.id });
    expect(retry.input_params.recipients).toEqual([
      'rejected-a@browser.test',
      'rejected-b@browser.test',
    ]);
    expect(smtp.rcptCount.get('fine@browser.test')).toBe(1);
    expect(smtp.rcptCount.get('rejected-a@browser.test')).toBe(2);
  });

  it('offers no failed-items retry when none failed, nor for a CSV task', async () => {
    const clean = await run('email_sending', {
      recipients: ['all-fine@browser.test'],
      subject: 'Hello',
      body: 'Hi',
    });
    const csv = await run('csv_processing', { num_rows: 10 });
    if ((await dashboard.detail().count()) > 0) await dashboard.closeDetail();
    for (const task of [clean, csv]) {
      const detail = await dashboard.openDetail(task.id);
      await detail.locator(`[data-detail-task="${task.id}"][data-status="SUCCESS"]`).waitFor();
      await expect(detail.locator('[data-retry-failed-items]').count()).resolves.toBe(0);
      // The row of actions did render: the items (recipients, malformed rows) download.
      await expect(detail.locator('[data-items-csv]').count()).resolves.toBe(1);
      await dashboard.closeDetail();
    }
    expect(dashboard.pageErrors).toEqual([]);
  });
});
