import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { previewed, releaseIn } from '../support/deploy.js';
import { expectAccessible, launchChromium, screenshot, signedInContext, watchedPage } from '../support/browser.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const compose = 'services:\n  web:\n    image: web:${TAG}\n';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The Insights page in Chromium against a server with a scripted runtime: a success and a failure today. */
describe('the Insights page in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  const history: any[] = [];

  /** Drafts and previews a release; `leadMs` passes on the server's clock before it is applied. */
  async function applied(application: string, tag: string, leadMs: number): Promise<any> {
    const { id, token } = await previewed(srv, { application, environment: 'staging', spec: { compose }, parameters: { TAG: tag } });
    srv.clock.advance(leadMs);
    expect((await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token })).status).toBe(202);
    return releaseIn(srv, id, ['succeeded', 'failed']);
  }

  /** Opens Insights from the navigation and waits for its figures. */
  async function openInsights(page: Page): Promise<void> {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    await page.getByRole('heading', { name: 'Insights', level: 1 }).waitFor();
  }

  /** The value shown for one of the four keys. */
  const figure = (page: Page, term: string) =>
    page.locator('.insight-figure', { has: page.locator('dt', { hasText: term }) }).locator('.insight-value');

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    srv = await startTestServer({ dialect: 'sqlite', webRoot: WEB_ROOT });
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'insightsui' }, previewTtlSeconds: 10_800 },
      { name: 'qa', runtime: 'compose', target: { project: 'insightsqa' } },
    ]) {
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    }
    // Three days: web succeeds; web fails and is restored by the next web release; api succeeds, then fails.
    for (const [application, tag, leadMs, thenMs] of [
      ['web', '1', 2 * HOUR, DAY],
      ['web', 'fail', 20 * MINUTE, 3 * HOUR],
      ['web', '2', 30 * MINUTE, DAY],
      ['api', '1', HOUR, 0],
      ['api', 'fail', 10 * MINUTE, 0],
    ] as const) {
      history.push(await applied(application, tag, leadMs));
      srv.clock.advance(thenMs);
    }
    browser = await launchChromium();
    admin = await signedInContext(browser, srv.url, ADMIN_TOKEN);
  }, 120_000);

  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
  });

  it('shows the four keys with their meaning, the daily chart with its caption, and the same numbers in a table', async () => {
    const page = await watchedPage(admin, 'insights');
    const chunks: string[] = [];
    page.on('request', (request) => chunks.push(request.url()));
    await page.goto('/');
    await page.getByTestId('subject').waitFor();
    // The page and its chart library load only when Insights is opened.
    expect(chunks.filter((url) => url.includes('insights-page'))).toEqual([]);
    await openInsights(page);
    expect(chunks.some((url) => url.includes('insights-page'))).toBe(true);

    // Five applied releases, two of them failed; three deployments in 30 days; web restored after 3 h 30 min.
    await expect.poll(() => figure(page, 'Change failure rate').textContent()).toBe('40 %');
    expect(await figure(page, 'Deployments per day').textContent()).toBe('0.1');
    expect(await figure(page, 'Time to restore').textContent()).toBe('3 h 30 min');
    expect(await figure(page, 'Lead time').textContent()).toBe('1 h');
    expect(await page.getByText('9 in 10 within 1 h 48 min').count()).toBe(1);
    expect(await page.getByText('the share that failed or were rolled back later').count()).toBe(1);
    expect(await page.getByText('next release of the same application in the same environment succeeds').count()).toBe(1);

    const chart = page.getByRole('img', { name: /Releases per day over the last 30 days: 3 succeeded, 2 failed, 0 rolled back/ });
    await chart.waitFor();
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('figure.insights-chart figcaption').textContent()).toContain('succeeded (3)');

    // The table: one row a day with releases, as the releases' own finish times count them.
    const days = new Map<string, [number, number, number]>();
    for (const r of history) {
      const day = r.execution.finishedAt.slice(0, 10);
      const counts = days.get(day) ?? [0, 0, 0];
      counts[r.state === 'succeeded' ? 0 : 1] += 1;
      days.set(day, counts);
    }
    const table = page.getByRole('table', { name: /Releases per day/ });
    expect(await table.getByRole('row').count()).toBe(days.size + 1);
    for (const [day, counts] of days) {
      expect(
        await table
          .getByRole('row', { name: new RegExp(day) })
          .getByRole('cell')
          .allTextContents(),
        day,
      ).toEqual(counts.map(String));
    }
    await expectAccessible(page, 'insights with data');
    if (process.env['SHIPGATE_DOCS_SCREENSHOTS'] === '1') await screenshot(page, 'insights', 'docs');
  });

  it('narrows by environment, application and window, in the address; an empty window says so', async () => {
    const page = await watchedPage(admin, 'insights-filters');
    await openInsights(page);
    const filters = page.getByRole('form', { name: 'Filter insights' });
    await filters.getByLabel('Window').selectOption('7');
    await page.waitForURL(/windowDays=7/);
    await filters.getByLabel('Environment').selectOption('qa');
    await page.waitForURL(/environment=qa/);
    await page.getByText('No release was applied in the last 7 days').waitFor();
    expect(await figure(page, 'Change failure rate').textContent()).toBe('no data');
    expect(await page.getByRole('img').count()).toBe(0);
    await expectAccessible(page, 'insights, empty');

    await filters.getByLabel('Environment').selectOption('staging');
    await filters.getByLabel('Application').fill('Not A Name');
    const application = filters.getByLabel('Application');
    expect(await application.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('Must be a DNS label').waitFor();
    expect(page.url()).not.toContain('application=');
    await application.fill('web');
    await page.waitForURL(/application=web/);
    await expect.poll(() => figure(page, 'Change failure rate').textContent()).toBe('33 %');
    await application.fill('api');
    await expect.poll(() => figure(page, 'Change failure rate').textContent()).toBe('50 %');
    expect(await figure(page, 'Time to restore').textContent()).toBe('no data');
    await application.fill('nothing-here');
    await page.getByText('No release was applied in the last 7 days').waitFor();
  });

  it('fits a narrow screen, chart included', async () => {
    const context = await signedInContext(browser, srv.url, ADMIN_TOKEN, { width: 390, height: 844 });
    try {
      const page = await watchedPage(context, 'insights-narrow');
      await page.goto('/insights');
      await page
        .getByRole('img', { name: /Releases per day/ })
        .locator('canvas')
        .first()
        .waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
    } finally {
      await context.close();
    }
  });

  it('offers Insights to a viewer, over what they may read only, and says no to an environment they may not read', async () => {
    const context = await signedInContext(browser, srv.url, await srv.tokenFor('quinn', 'viewer', ['qa']));
    try {
      const page = await watchedPage(context, 'insights-viewer');
      await openInsights(page);
      await page.getByText('No release was applied in the last 30 days').waitFor();
      const options = await page
        .getByRole('form', { name: 'Filter insights' })
        .getByLabel('Environment')
        .locator('option')
        .allTextContents();
      expect(options).toEqual(['All you can read', 'qa']);
      await page.goto('/insights?environment=staging');
      const refusal = page.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.getAttribute('data-code')).toBe('FORBIDDEN');
      await expectAccessible(page, 'insights refused');
    } finally {
      await context.close();
    }
  });
});
