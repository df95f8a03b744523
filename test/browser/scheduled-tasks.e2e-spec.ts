import type { TaskStats } from '../../src/tasks/dto/task.response';
import { DashboardPage } from '../utils/dashboard-page';
import { dashboardSuite } from '../utils/dashboard-suite';
import { waitFor } from '../utils/wait-for';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

describe('Dashboard: priorities and scheduled tasks', () => {
  const suite = dashboardSuite();
  let dashboard: DashboardPage;

  beforeAll(async () => {
    dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    await dashboard.waitUntilLive();
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  const counter = (status: string): Promise<string | null> =>
    dashboard.page.locator(`[data-status-counter="${status}"] .counter-value`).textContent();

  /** The colour a status is drawn in on this element, and the page's colour variable for it. */
  const colours = (selector: string, variable: string) =>
    dashboard.page.evaluate<{ drawn: string; scheduled: string; pending: string }>(`(() => {
      const root = getComputedStyle(document.documentElement);
      return {
        drawn: getComputedStyle(document.querySelector(${JSON.stringify(selector)}))
          .getPropertyValue('--status-color').trim(),
        scheduled: root.getPropertyValue(${JSON.stringify(variable)}).trim(),
        pending: root.getPropertyValue('--pending').trim(),
      };
    })()`);

  it('submits a delayed task with a priority, shows it SCHEDULED in its colour and counter, then runs it', async () => {
    await dashboard.chooseTaskType('CSV processing');
    await dashboard.field('Priority').fill('9');
    await dashboard.field('Start after (seconds)').fill('5');
    const id = await dashboard.submitForm();

    const task = await suite.api.get(id);
    expect(task).toMatchObject({ status: 'SCHEDULED', priority: 9 });
    await dashboard.waitForRowStatus(id, 'SCHEDULED');
    const row = dashboard.row(id);
    await expect(row.locator('.cell-priority').textContent()).resolves.toBe('9');
    await expect(row.locator('.status').textContent()).resolves.toBe('SCHEDULED');

    const badge = await colours(`tr[data-task-id="${id}"] .status`, '--scheduled');
    expect(badge.drawn).not.toBe('');
    expect(badge.drawn).toBe(badge.scheduled);
    expect(badge.drawn).not.toBe(badge.pending);
    await waitFor(
      'the SCHEDULED counter to read 1',
      async () => (await counter('SCHEDULED')) === '1',
    );
    const tile = await colours('[data-status-counter="SCHEDULED"]', '--scheduled');
    expect(tile.drawn).toBe(tile.scheduled);
    await waitFor('the CSV queue to show one scheduled job', async () => {
      const cell = dashboard.page.locator('[data-queue="csv_processing"] [data-count="scheduled"]');
      return (await cell.textContent()) === '1';
    });
    await dashboard.screenshot('task-scheduled');

    const detail = await dashboard.openDetail(id);
    await expect(detail.locator('[data-task-priority]').textContent()).resolves.toBe('9');
    await detail.locator(`time[datetime="${task.run_at}"]`).first().waitFor();
    await dashboard.closeDetail();

    // The filter by priority shows it alone.
    const other = await suite.api.submit('csv_processing', { num_rows: 10 });
    await dashboard.page.locator('#filter-priority').selectOption('9');
    await waitFor(
      'only the priority-9 task in the list',
      async () => JSON.stringify(await dashboard.rowIds()) === JSON.stringify([id]),
    );
    expect(other.priority).toBe(5);

    await dashboard.waitForRowStatus(id, 'SUCCESS', 60_000);
    const stats = (await suite.api.request<TaskStats>('GET', '/api/tasks/stats')).body;
    expect(stats.counts.SCHEDULED).toBe(0);
    await waitFor(
      'the SCHEDULED counter to read 0',
      async () => (await counter('SCHEDULED')) === '0',
    );
  });
});
