import { dashboardSuite } from '../utils/dashboard-suite';
import { DashboardPage } from '../utils/dashboard-page';
import { waitFor } from '../utils/wait-for';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

describe("Dashboard: a task's log, live in its detail view", () => {
  const suite = dashboardSuite();
  let dashboard: DashboardPage;

  beforeAll(async () => {
    dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    await dashboard.waitUntilLive();
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it('shows new lines while a paced task runs, without reloading the page', async () => {
    const task = await suite.api.submit('csv_processing', {
      num_rows: 200_000,
      processing_time: 10,
    });
    await dashboard.waitForRowStatus(task.id, 'RUNNING');
    const detail = await dashboard.openDetail(task.id);
    const lines = detail.locator('[data-task-log] li');
    await lines.filter({ hasText: /Started \(attempt 1 of \d+\)/ }).waitFor();
    const shownAtFirst = await lines.count();

    // Milestones come from the worker as it parses, each one through the event stream.
    const milestone = await waitFor(
      'a milestone line to appear while the task still runs',
      async () => {
        const texts = await lines.allTextContents();
        const status = await detail.locator('[data-detail-task]').getAttribute('data-status');
        const found = texts.find((text) => /Parsed [\d,]+ rows \(\d+% read\)/.test(text));
        if (found && (await lines.count()) > shownAtFirst && status === 'RUNNING') return found;
        return undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(milestone).toMatch(/% read\)$/);

    await detail.locator('[data-detail-task][data-status="SUCCESS"]').waitFor({ timeout: 60_000 });
    await lines.filter({ hasText: 'Succeeded' }).waitFor();
    const seqs = await Promise.all(
      (await lines.all()).map(async (line) => Number(await line.getAttribute('data-seq'))),
    );
    // Live, not polled: the log was read once on opening, then came through events.
    const reads = dashboard.requests.filter((url) => url.includes(`/api/tasks/${task.id}/logs`));
    expect(reads.length).toBeLessThan(seqs.length);
    await dashboard.screenshotDetail('task-log-live');
  });
});
