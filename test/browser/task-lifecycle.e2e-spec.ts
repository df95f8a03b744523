import { Browser } from 'playwright-core';
import type { TaskResponse } from '../../src/tasks/dto/task.response';
import { ApiClient } from '../utils/api-client';
import { launchChromium } from '../utils/browser';
import { DashboardPage, RowSample } from '../utils/dashboard-page';
import { startService, TestService } from '../utils/start-service';
import { waitFor } from '../utils/wait-for';

type TypeLabel = 'CSV processing' | 'E-mail sending' | 'Image processing';

interface FormCase {
  label: TypeLabel;
  slug: string;
  /** Form fields to fill, by label; the rest keep their defaults. Sized to run a few seconds. */
  fill: Record<string, string>;
}

const CASES: FormCase[] = [
  {
    label: 'CSV processing',
    slug: 'csv',
    fill: { 'Rows to generate': '20000', 'Minimum run time (seconds)': '3' },
  },
  {
    label: 'E-mail sending',
    slug: 'email',
    fill: { 'Number of e-mails': '20', 'Delay between e-mails (seconds)': '0.1' },
  },
  { label: 'Image processing', slug: 'image', fill: { 'Images to generate': '30' } },
];

/** The distinct statuses a row went through, in order. */
const statusesOf = (samples: RowSample[]): string[] =>
  samples.map((sample) => sample.status).filter((status, i, all) => status !== all[i - 1]);

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

describe('Dashboard: tasks submitted through the form', () => {
  let service: TestService;
  let browser: Browser;
  let dashboard: DashboardPage;
  let api: ApiClient;
  const submitted = new Map<string, string>();

  beforeAll(async () => {
    // An API without a worker at first, so every task is seen PENDING before it runs.
    [service, browser] = await Promise.all([startService({ APP_ROLE: 'api' }), launchChromium()]);
    api = new ApiClient(service.url);
    dashboard = await DashboardPage.open(browser, service.url);
    await dashboard.waitUntilLive();
  });

  afterAll(async () => {
    await dashboard?.close();
    await browser?.close();
    await service?.stop();
  });

  it('shows each type going PENDING → RUNNING with a moving progress bar → SUCCESS, without a reload', async () => {
    await dashboard.page.evaluate('window.__sameDocument = true');
    for (const { label, slug, fill } of CASES) {
      await dashboard.chooseTaskType(label);
      for (const [field, value] of Object.entries(fill)) await dashboard.field(field).fill(value);
      await dashboard.screenshot(`form-${slug}`);
      const id = await dashboard.submitForm();
      submitted.set(slug, id);
      await dashboard.waitForRowStatus(id, 'PENDING');
    }
    await dashboard.screenshot('list-pending');

    const ids = [...submitted.values()];
    const watching = Promise.all(ids.map((id) => dashboard.watchRow(id, ['SUCCESS', 'FAILED'])));
    service.spawnPeer({ APP_ROLE: 'worker' });
    // A picture of bars well on their way (or, should every task be that fast, of the end).
    await waitFor('a task to be a quarter done', async () => {
      const samples = await Promise.all(ids.map((id) => dashboard.rowSample(id)));
      return (
        samples.some((sample) => sample?.status === 'RUNNING' && (sample.progress ?? 0) > 25) ||
        samples.every((sample) => sample?.status === 'SUCCESS')
      );
    });
    await dashboard.screenshot('list-running');
    const histories = await watching;

    for (const [index, history] of histories.entries()) {
      expect(statusesOf(history)).toEqual(['PENDING', 'RUNNING', 'SUCCESS']);
      const progress = history
        .filter((sample) => sample.status === 'RUNNING' && sample.progress !== null)
        .map((sample) => sample.progress as number);
      const between = [...new Set(progress.filter((value) => value > 0 && value < 100))];
      // The bar moved: at least two distinct values on the way, never going back.
      expect({ task: ids[index], movedThrough: between.length >= 2 }).toEqual({
        task: ids[index],
        movedThrough: true,
      });
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
    }
    expect(await dashboard.page.evaluate('window.__sameDocument')).toBe(true);
    await dashboard.screenshot('list');
    expect(dashboard.pageErrors).toEqual([]);
  });

  it('opens the detail view of a CSV task with its parameters, timeline and column statistics', async () => {
    const id = submitted.get('csv') as string;
    const task = await api.get(id);
    const detail = await dashboard.openDetail(id);

    await expect(detail.getByRole('heading', { level: 2 }).textContent()).resolves.toBe(
      `CSV processing · ${id.slice(0, 8)}`,
    );
    await expectCommonDetail(detail, task);
    const columns = task.result_data?.columns as { name: string; type: string; count: number }[];
    const table = detail.locator('[data-result-table="csv-columns"]');
    await expect(table.locator('tbody tr').count()).resolves.toBe(columns.length);
    for (const [index, column] of columns.entries()) {
      const cells = table.locator('tbody tr').nth(index);
      await expect(cells.locator('th').textContent()).resolves.toBe(column.name);
      await expect(cells.locator('td').first().textContent()).resolves.toBe(column.type);
    }
    await expect(
      detail.getByText('Total rows').locator('..').locator('dd').textContent(),
    ).resolves.toBe('20,000');
    await dashboard.screenshotDetail('detail-csv');
    await dashboard.closeDetail();
  });

  it('opens the detail view of an e-mail task with one row per recipient', async () => {
    const id = submitted.get('email') as string;
    const task = await api.get(id);
    const detail = await dashboard.openDetail(id);

    await expectCommonDetail(detail, task);
    const rows = detail.locator('[data-result-table="email-recipients"] tbody tr');
    await expect(rows.count()).resolves.toBe(20);
    await expect(rows.first().locator('td').first().textContent()).resolves.toBe(
      'user1@example.com',
    );
    await expect(detail.locator('[data-delivery-status="delivered"]').count()).resolves.toBe(20);
    await dashboard.screenshotDetail('detail-email');
    await dashboard.closeDetail();
  });

  it('opens the detail view of an image task with a gallery of download links', async () => {
    const id = submitted.get('image') as string;
    const task = await api.get(id);
    const detail = await dashboard.openDetail(id);

    await expectCommonDetail(detail, task);
    const images = task.result_data?.images as { processed_name: string; url: string }[];
    const items = detail.locator('[data-result-gallery] li');
    await expect(items.count()).resolves.toBe(images.length);
    for (const [index, image] of images.slice(0, 3).entries()) {
      const link = items.nth(index).getByRole('link', { name: /Download/ });
      await expect(link.getAttribute('href')).resolves.toBe(image.url);
      await expect(link.getAttribute('download')).resolves.toBe(image.processed_name);
    }
    await dashboard.screenshotDetail('detail-image');
    await dashboard.closeDetail();
    expect(await dashboard.page.evaluate('location.hash')).toBe('#/');
  });
});

/** What every detail view shows: status, every parameter, the timeline with durations. */
async function expectCommonDetail(
  detail: ReturnType<DashboardPage['detail']>,
  task: TaskResponse,
): Promise<void> {
  await expect(detail.locator('.detail-status .status').textContent()).resolves.toBe('SUCCESS');
  await expect(detail.getByText(task.id, { exact: true }).count()).resolves.toBe(1);
  for (const [name, value] of Object.entries(task.input_params)) {
    await expect(detail.locator(`[data-param="${name}"] dd`).textContent()).resolves.toBe(
      typeof value === 'string' ? value : JSON.stringify(value),
    );
  }
  const timeline = detail.getByRole('list', { name: 'Timeline' });
  await expect(timeline.locator('time').count()).resolves.toBe(3);
  await expect(timeline.locator('time').nth(0).getAttribute('datetime')).resolves.toBe(
    task.created_at,
  );
  await expect(timeline.locator('time').nth(1).getAttribute('datetime')).resolves.toBe(
    task.started_at,
  );
  await expect(timeline.locator('time').nth(2).getAttribute('datetime')).resolves.toBe(
    task.completed_at,
  );
  await expect(timeline.locator('[data-duration="run"]').textContent()).resolves.toMatch(/ran \d/);
  await expect(timeline.locator('[data-duration="total"]').textContent()).resolves.toMatch(/^\d/);
}
