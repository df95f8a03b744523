import { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { screenshotPath } from './browser';
import { waitFor } from './wait-for';

export interface RowSample {
  status: string;
  /** The progress bar's value; null when the row shows none. */
  progress: number | null;
}

export interface DashboardOptions {
  viewport?: { width: number; height: number };
  /** Runs before the page loads (routes that break the event stream, say). */
  beforeLoad?: (page: Page) => Promise<void>;
  /** In keys mode: the key to paste into the sign-in screen. */
  signInWith?: string;
}

/**
 * The dashboard in a fresh browser context, with everything the page reports kept for
 * assertions: console errors, uncaught exceptions and JavaScript dialogs (alert and friends).
 */
export class DashboardPage {
  readonly consoleErrors: { text: string; url: string }[] = [];
  readonly pageErrors: string[] = [];
  readonly dialogs: string[] = [];
  readonly requests: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly baseUrl: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') {
        this.consoleErrors.push({ text: message.text(), url: message.location().url });
      }
    });
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
    page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => this.requests.push(request.url()));
  }

  static async open(
    browser: Browser,
    baseUrl: string,
    options: DashboardOptions = {},
  ): Promise<DashboardPage> {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1400, height: 1000 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    const page = await context.newPage();
    const dashboard = new DashboardPage(context, page, baseUrl);
    await options.beforeLoad?.(page);
    await page.goto(baseUrl);
    if (options.signInWith === undefined) {
      await page.getByRole('heading', { name: 'New task' }).waitFor();
    } else {
      await page.getByLabel('API key').fill(options.signInWith);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-auth="keys"]').waitFor();
    }
    return dashboard;
  }

  async close(): Promise<void> {
    await this.context.close();
  }

  /** Waits until the page says its event stream is open. */
  async waitUntilLive(): Promise<void> {
    await this.page.locator('[data-connection="live"]').waitFor({ timeout: 30_000 });
  }

  row(taskId: string): Locator {
    return this.page.locator(`tr[data-task-id="${taskId}"]`);
  }

  rows(): Locator {
    return this.page.locator('tr[data-task-id]');
  }

  /** The ids of the rows shown, top to bottom. */
  rowIds(): Promise<string[]> {
    return this.page.evaluate<string[]>(
      `Array.from(document.querySelectorAll('tr[data-task-id]'), (row) => row.dataset.taskId)`,
    );
  }

  /** The row's status and progress bar, read in one round trip; undefined while it is not shown. */
  async rowSample(taskId: string): Promise<RowSample | undefined> {
    const sample = await this.page.evaluate<RowSample | null>(`(() => {
      const row = document.querySelector('tr[data-task-id="${taskId}"]');
      if (!row) return null;
      const bar = row.querySelector('[role="progressbar"]');
      return {
        status: row.getAttribute('data-status'),
        progress: bar ? Number(bar.getAttribute('aria-valuenow')) : null,
      };
    })()`);
    return sample ?? undefined;
  }

  /**
   * Samples a row as fast as the browser answers until it shows one of `finalStatuses`, and
   * returns each distinct state it was seen in, in order.
   */
  async watchRow(
    taskId: string,
    finalStatuses: string[],
    timeoutMs = 60_000,
  ): Promise<RowSample[]> {
    const seen: RowSample[] = [];
    await waitFor(
      `task ${taskId} to show ${finalStatuses.join('/')} in the list`,
      async () => {
        const sample = await this.rowSample(taskId);
        if (!sample) return false;
        const last = seen.at(-1);
        if (!last || last.status !== sample.status || last.progress !== sample.progress) {
          seen.push(sample);
        }
        return finalStatuses.includes(sample.status);
      },
      { timeoutMs, intervalMs: 10 },
    );
    return seen;
  }

  async waitForRowStatus(taskId: string, status: string, timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `task ${taskId} to show ${status} in the list`,
      async () => (await this.rowSample(taskId))?.status === status,
      { timeoutMs, intervalMs: 25 },
    );
  }

  async chooseTaskType(
    label: 'CSV processing' | 'E-mail sending' | 'Image processing',
  ): Promise<void> {
    await this.page.locator('.submit-form').getByRole('radio', { name: label }).check();
  }

  field(label: string): Locator {
    return this.page.locator('.submit-form').getByLabel(label, { exact: true });
  }

  /** The message shown beside a form field, found through the field's aria-describedby. */
  fieldError(name: string): Locator {
    return this.page.locator(`#field-${name}-error`);
  }

  /** Submits the form and returns the new task's id, read from the confirmation's link. */
  async submitForm(): Promise<string> {
    const link = this.page.locator('.submitted a');
    const previous = (await link.count()) > 0 ? await link.getAttribute('href') : null;
    await this.page.getByRole('button', { name: 'Submit task' }).click();
    return waitFor('the form to confirm a new task', async () => {
      if ((await link.count()) === 0) return undefined;
      const href = await link.getAttribute('href');
      if (href === previous) return undefined;
      return /#\/tasks\/([0-9a-f-]{36})$/.exec(href ?? '')?.[1];
    });
  }

  detail(): Locator {
    return this.page.locator('dialog.detail');
  }

  /** Opens a task's detail view from its row, and waits until it shows that task. */
  async openDetail(taskId: string): Promise<Locator> {
    await this.row(taskId).getByRole('link').first().click();
    const detail = this.detail();
    await detail.locator(`[data-detail-task="${taskId}"]`).waitFor();
    return detail;
  }

  async closeDetail(): Promise<void> {
    await this.detail().getByRole('button', { name: 'Close' }).click();
    await this.detail().waitFor({ state: 'detached' });
  }

  async screenshot(name: string, options: { fullPage?: boolean } = {}): Promise<void> {
    await this.page.screenshot({ path: screenshotPath(name), fullPage: options.fullPage ?? true });
  }

  /**
   * A screenshot of the open detail dialog in full: the viewport grows to the dialog's content
   * for the shot, since a modal dialog scrolls inside the viewport.
   */
  async screenshotDetail(name: string): Promise<void> {
    const viewport = this.page.viewportSize() ?? { width: 1400, height: 1000 };
    const contentHeight = await this.page.evaluate<number>(
      `document.querySelector('dialog.detail').scrollHeight`,
    );
    await this.page.setViewportSize({
      width: viewport.width,
      height: Math.min(Math.max(viewport.height, contentHeight + 80), 6000),
    });
    await this.page.screenshot({ path: screenshotPath(name) });
    await this.page.setViewportSize(viewport);
  }

  /** Every request path the page made, for proving that something was never fetched. */
  requestedPaths(): string[] {
    return this.requests.map((url) => new URL(url).pathname);
  }
}
