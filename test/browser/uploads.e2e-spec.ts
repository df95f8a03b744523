import { Browser } from 'playwright-core';
import sharp from 'sharp';
import { launchChromium } from '../utils/browser';
import { DashboardPage } from '../utils/dashboard-page';
import { serviceForSuite } from '../utils/suite-service';
import { waitFor } from '../utils/wait-for';

describe('Dashboard: tasks on uploaded files', () => {
  const suite = serviceForSuite();
  let browser: Browser;
  let dashboard: DashboardPage;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  beforeEach(async () => {
    dashboard = await DashboardPage.open(browser, suite.service.url);
  });

  afterEach(async () => {
    expect(dashboard.pageErrors).toEqual([]);
    await dashboard.close();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('uploads a CSV file, runs it, and shows its column statistics', async () => {
    await dashboard.chooseTaskType('CSV processing');
    await dashboard.page
      .locator('.submit-form')
      .getByRole('radio', { name: 'Upload a CSV file' })
      .check();
    await dashboard.field('CSV file').setInputFiles({
      name: 'sales.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('region,amount\nnorth,10\nsouth,32\nnorth,8\n'),
    });
    await dashboard.page.getByText('uploaded').waitFor();
    const taskId = await dashboard.submitForm();
    const task = await suite.api.waitForStatus(taskId, ['SUCCESS', 'FAILED']);
    expect(task.status).toBe('SUCCESS');
    expect(task.input_params).toHaveProperty('file_id');

    const detail = await dashboard.openDetail(taskId);
    await detail.getByText('amount', { exact: true }).first().waitFor();
    await detail.getByText('region', { exact: true }).first().waitFor();
    await dashboard.screenshotDetail('detail-csv-upload');
  });

  it('uploads images, resizes them, and shows their thumbnails in the gallery', async () => {
    const image = await sharp({
      create: { width: 640, height: 480, channels: 3, background: '#2a7' },
    })
      .png()
      .toBuffer();
    await dashboard.chooseTaskType('Image processing');
    await dashboard.page
      .locator('.submit-form')
      .getByRole('radio', { name: /Upload/ })
      .check();
    await dashboard.page.locator('.submit-form input[type=file]').setInputFiles([
      { name: 'first.png', mimeType: 'image/png', buffer: image },
      { name: 'second.png', mimeType: 'image/png', buffer: image },
    ]);
    await dashboard.page.getByText('uploaded').nth(1).waitFor();
    const taskId = await dashboard.submitForm();
    expect((await suite.api.waitForStatus(taskId, ['SUCCESS', 'FAILED'])).status).toBe('SUCCESS');

    const detail = await dashboard.openDetail(taskId);
    const thumbnails = detail.locator('img');
    await thumbnails.nth(1).waitFor();
    // Loaded for real: the browser decoded the thumbnail the service generated. Polled from
    // here: waitForFunction re-evaluates its predicate inside the page, which the dashboard's
    // CSP (no 'unsafe-eval') refuses whenever the first check is not already true.
    await waitFor('the thumbnails to be decoded', () =>
      dashboard.page.evaluate<boolean>(
        "[...document.querySelectorAll('dialog.detail img')].every((img) => img.naturalWidth > 0)",
      ),
    );
    await dashboard.screenshotDetail('detail-image-upload');
  });
});
