import { DashboardPage } from '../utils/dashboard-page';
import { dashboardSuite } from '../utils/dashboard-suite';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

/** Every visible control without an accessible name: no label, aria-label(ledby) or text. */
const UNNAMED_CONTROLS = `(() => {
  const nameOf = (element) => {
    const labelledBy = element.getAttribute('aria-labelledby');
    if (labelledBy) {
      return labelledBy.split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
    }
    if (element.getAttribute('aria-label')) return element.getAttribute('aria-label');
    if (element.labels && element.labels.length > 0) {
      return Array.from(element.labels, (label) => label.textContent).join(' ');
    }
    return element.textContent;
  };
  return Array.from(document.querySelectorAll('input, select, textarea, button, a[href]'))
    .filter((element) => element.getClientRects().length > 0 || element.type === 'file')
    .filter((element) => !(nameOf(element) ?? '').trim())
    .map((element) => element.outerHTML.slice(0, 120));
})()`;

const HORIZONTAL_OVERFLOW = `document.documentElement.scrollWidth - window.innerWidth`;

describe('Dashboard: keyboard, labels and phone-width layout', () => {
  const suite = dashboardSuite();

  it('gives every control a label, in every form variant and in the detail view', async () => {
    const task = await suite.api.submit('csv_processing', { num_rows: 100 });
    await suite.api.waitForStatus(task.id, ['SUCCESS']);
    const dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    await dashboard.waitForRowStatus(task.id, 'SUCCESS');

    const variants = [
      ['CSV processing', 'Generate rows'],
      ['CSV processing', 'Upload a CSV file'],
      ['E-mail sending', 'Numbered test addresses'],
      ['E-mail sending', 'A list of addresses'],
      ['Image processing', 'Generate test images'],
      ['Image processing', 'Upload images'],
    ] as const;
    for (const [type, source] of variants) {
      await dashboard.chooseTaskType(type);
      await dashboard.page.getByRole('radio', { name: source }).check();
      const unnamed = await dashboard.page.evaluate<string[]>(UNNAMED_CONTROLS);
      expect({ type, source, unnamed }).toEqual({ type, source, unnamed: [] });
    }
    await dashboard.openDetail(task.id);
    await expect(dashboard.page.evaluate<string[]>(UNNAMED_CONTROLS)).resolves.toEqual([]);
    await dashboard.close();
  });

  it('works from the keyboard: submit a task, open its detail with Enter, close it with Escape', async () => {
    const dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    const { page } = dashboard;
    await dashboard.waitUntilLive();

    // Radio groups move with the arrow keys; Enter in a field submits the form.
    await page.getByRole('radio', { name: 'CSV processing' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByRole('radio', { name: 'E-mail sending' }).isChecked()).resolves.toBe(
      true,
    );
    await dashboard.field('Number of e-mails').focus();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('3');
    await page.keyboard.press('Enter');
    const href = await page.locator('.submitted a').getAttribute('href');
    const id = (href ?? '').replace('#/tasks/', '');
    await suite.api.waitForStatus(id, ['SUCCESS']);
    expect((await suite.api.get(id)).input_params.num_emails).toBe(3);

    const link = dashboard.row(id).getByRole('link', { name: `Open task ${id.slice(0, 8)}` });
    await link.focus();
    await page.keyboard.press('Enter');
    await dashboard.detail().locator(`[data-detail-task="${id}"]`).waitFor();
    await expect(page.evaluate<string>('location.hash')).resolves.toBe(`#/tasks/${id}`);
    await page.keyboard.press('Escape');
    await dashboard.detail().waitFor({ state: 'detached' });
    // The native dialog hands focus back to what opened it.
    await expect(
      page.evaluate<string | null>(`document.activeElement.getAttribute('aria-label')`),
    ).resolves.toBe(`Open task ${id.slice(0, 8)}`);
    await dashboard.close();
  });

  it('fits a phone-width screen: no sideways scrolling in the list, the form or the detail view', async () => {
    const dashboard = await DashboardPage.open(suite.browser, suite.service.url, {
      viewport: { width: 390, height: 844 },
    });
    const { page } = dashboard;
    await dashboard.waitUntilLive();
    await dashboard.chooseTaskType('Image processing');
    await dashboard.field('Images to generate').fill('3');
    const id = await dashboard.submitForm();
    await dashboard.waitForRowStatus(id, 'SUCCESS');
    await expect(page.evaluate<number>(HORIZONTAL_OVERFLOW)).resolves.toBeLessThanOrEqual(0);
    await dashboard.screenshot('phone-list');

    await dashboard.openDetail(id);
    const dialogWidth = await page.evaluate<number>(
      `document.querySelector('dialog.detail').getBoundingClientRect().width`,
    );
    expect(dialogWidth).toBeLessThanOrEqual(390);
    await expect(page.evaluate<number>(HORIZONTAL_OVERFLOW)).resolves.toBeLessThanOrEqual(0);
    await dashboard.screenshotDetail('phone-detail');
    await dashboard.close();
  });
});
