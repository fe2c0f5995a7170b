import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { accessibilityViolations, launchChromium, screenshot, signedInContext } from '../support/browser.js';
import { TEST_DOCKER_HOST, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

// A new user's first minutes, in Chromium: an empty store on a reachable Docker engine, nothing made through the API
// by the test; from the Deployments page to a succeeded example release.
describe('the first run in the web UI', () => {
  let srv: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    await ensureTestImages();
    await removeProject('local-hello').catch(() => undefined);
    srv = await startTestServer({
      dialect: 'sqlite',
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
      webRoot: WEB_ROOT,
      firstRun: true,
    });
    browser = await launchChromium();
    context = await signedInContext(browser, srv.url, ADMIN_TOKEN);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await srv?.close();
    await removeProject('local-hello').catch(() => undefined);
  });

  it('deploys the example to environment local from an empty store', async () => {
    const page = await context.newPage();
    onTestFailed(async () => {
      await screenshot(page, 'failed-first-run').catch(() => undefined);
    });
    await page.goto('/');
    await page.getByRole('article', { name: 'Environment local' }).waitFor();
    const first = page.getByRole('region', { name: 'Nothing released yet' });
    await first.waitFor();
    expect(await accessibilityViolations(page), 'first steps').toEqual([]);
    await first.getByRole('button', { name: 'Deploy an example' }).click();

    const form = page.getByRole('region', { name: 'New release' });
    expect(await form.getByRole('combobox', { name: 'Environment' }).inputValue()).toBe('local');
    expect(await form.getByRole('textbox', { name: 'Application' }).inputValue()).toBe('hello');
    const editor = page.getByRole('textbox', { name: 'Spec (YAML)' });
    await expect.poll(() => editor.textContent()).toContain('image: nginx:${TAG}');
    // The user edits the example before previewing: here, an image the test engine has (it cannot pull).
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(
      'services:\n  web:\n    image: shipgate-test/app:${TAG}\n    init: true\n    stop_grace_period: 1s\n' +
        '    environment:\n      API_TOKEN: change-me\n',
    );
    await form.getByLabel('Parameter 1 value').fill('1');
    await page.getByRole('button', { name: 'Draft release' }).click();
    await page.waitForURL(/\/releases\//);

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.getByLabel('Change summary').first().textContent()).toContain('1 to create');
    expect(await page.locator('.diff').first().textContent()).not.toContain('change-me');
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await expect.poll(() => page.getByTestId('state').textContent(), { timeout: 60_000 }).toBe('succeeded');
    if (process.env['SHIPGATE_DOCS_SCREENSHOTS'] === '1') await screenshot(page, 'first-run', 'docs');
    await page.close();
  }, 120_000);
});
