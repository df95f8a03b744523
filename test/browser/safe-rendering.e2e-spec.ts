import { DashboardPage } from '../utils/dashboard-page';
import { waitFor } from '../utils/wait-for';
import { dashboardSuite } from '../utils/dashboard-suite';

// Browser suites drive real processes; the default 5 s per test is too short for them.
jest.setTimeout(120_000);

const PAYLOAD = '<img src=x onerror=alert(1)>';
const SCRIPT_PAYLOAD = '<script>alert(2)</script>';

describe('Dashboard: safe rendering', () => {
  const suite = dashboardSuite();

  it('shows a subject and a file name that look like HTML as text, and runs no script', async () => {
    const dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    await dashboard.waitUntilLive();

    // A file name is shown as soon as the file is chosen, before its upload is answered.
    await dashboard.chooseTaskType('CSV processing');
    await dashboard.page.getByRole('radio', { name: 'Upload a CSV file' }).check();
    await dashboard.page.locator('#field-file_id').setInputFiles({
      name: PAYLOAD,
      mimeType: 'text/csv',
      buffer: Buffer.from('name,amount\nada,1\n'),
    });
    const upload = dashboard.page.locator('.upload');
    await expect(upload.locator('.file-name').textContent()).resolves.toBe(PAYLOAD);
    await waitFor('the upload to be answered', async () => {
      const state = await upload.getAttribute('class');
      return state !== null && !state.includes('upload-uploading');
    });

    await dashboard.chooseTaskType('E-mail sending');
    await dashboard.field('Number of e-mails').fill('1');
    await dashboard.field('Subject').fill(PAYLOAD);
    await dashboard.field('Text body').fill(PAYLOAD);
    await dashboard.field('HTML body').fill(SCRIPT_PAYLOAD);
    const id = await dashboard.submitForm();
    await suite.api.waitForStatus(id, ['SUCCESS']);
    await dashboard.waitForRowStatus(id, 'SUCCESS');

    const detail = await dashboard.openDetail(id);
    await expect(detail.locator('[data-param="subject"] dd').textContent()).resolves.toBe(PAYLOAD);
    await expect(detail.locator('[data-param="body"] dd').textContent()).resolves.toBe(PAYLOAD);
    await expect(detail.locator('[data-param="html"] dd').textContent()).resolves.toBe(
      SCRIPT_PAYLOAD,
    );
    await expect(
      detail.locator('[data-result-table="email-recipients"] tbody tr').count(),
    ).resolves.toBe(1);
    await dashboard.screenshotDetail('detail-html-looking-text');

    // Had any of it been parsed as markup, an <img src=x> would exist and would have asked for /x.
    await expect(dashboard.page.locator('img[src="x"]').count()).resolves.toBe(0);
    await expect(
      dashboard.page.evaluate<number>(
        `Array.from(document.scripts).filter((script) => !script.src).length`,
      ),
    ).resolves.toBe(0);
    expect(dashboard.requestedPaths()).not.toContain('/x');
    expect(dashboard.dialogs).toEqual([]);
    expect(dashboard.pageErrors).toEqual([]);
    // The upload answers 404 until the files API is deployed; that failed request is the only
    // console error allowed.
    expect(dashboard.consoleErrors.filter((error) => !error.url.endsWith('/api/files'))).toEqual(
      [],
    );
    await dashboard.close();
  });

  it('is served under a Content-Security-Policy that blocks inline script', async () => {
    const page = await fetch(`${suite.service.url}/`);
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy') ?? '';
    const scriptSources = /(?:^|;)\s*script-src ([^;]*)/.exec(policy)?.[1] ?? '';
    expect(scriptSources.trim()).toBe("'self'");
    const html = await page.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc="\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/<script\b[^>]*>\s*[^<\s]/);

    // And the suite.browser enforces it: an inline script added to the page does not run.
    const dashboard = await DashboardPage.open(suite.browser, suite.service.url);
    const blocked = await dashboard.page.evaluate<{ ran: boolean; violations: string[] }>(`
      new Promise((resolve) => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (event) => {
          violations.push(event.violatedDirective);
          resolve({ ran: window.__inlineRan === true, violations });
        });
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true';
        document.body.appendChild(script);
      })`);
    expect(blocked.ran).toBe(false);
    expect(blocked.violations).toEqual([expect.stringMatching(/^script-src/)]);
    await dashboard.close();
  });

  it('answers unknown /api paths with JSON 404s, never with the page', async () => {
    for (const path of ['/api/nothing-here', '/api/tasks/not-a-task/nope', '/api/tasks/abc']) {
      const response = await fetch(`${suite.service.url}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { detail?: unknown };
      expect(typeof body.detail).toBe('string');
    }
    const root = await fetch(`${suite.service.url}/`);
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
