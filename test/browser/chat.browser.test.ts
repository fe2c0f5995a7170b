import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, launchChromium, signedInContext } from '../support/browser.js';
import { deployed, previewed, releaseIn } from '../support/deploy.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

// The chat page as an operator uses it with the keyboard alone: every release card stays live (not only the newest),
// a confirmed proposal is offered once, and the answer shows as it is made.

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const SPEC = (app: string) => `services:\n  ${app}:\n    image: ${app}:\${TAG}\n`;

describe('the command center chat in a browser', () => {
  let srv: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    srv = await startTestServer({ dialect: 'sqlite', webRoot: WEB_ROOT });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'chat' } });
    const dana = await srv.tokenFor('dana', 'deployer');
    // What the chat starts from: a succeeded release of each application.
    for (const app of ['web', 'api'])
      await deployed(srv, { application: app, environment: 'staging', spec: { compose: SPEC(app) }, parameters: { TAG: '1' } });
    browser = await launchChromium();
    context = await signedInContext(browser, srv.url, dana);
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
  });

  /** Presses Tab until the focused element matches, as a keyboard user moves through the page. */
  async function tabTo(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 80; i++) {
      if (await check()) return;
      await page.keyboard.press('Tab');
    }
    throw new Error(`could not reach ${what} with the keyboard`);
  }
  const focusedIs = (selector: string) => () => page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
  const focusedButton = (name: string) => () => page.evaluate((n) => document.activeElement?.textContent?.trim() === n, name);

  /** Types a message with the keyboard and waits for the whole answer. */
  async function say(text: string) {
    const before = await page.locator('.message-assistant:not([data-pending])').count();
    await tabTo(focusedIs('#message'), 'the message box');
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.message-assistant').count(), { timeout: 20_000 }).toBe(before + 1);
    await expect.poll(() => page.locator('[data-pending]').count(), { timeout: 20_000 }).toBe(0);
    return page.locator('.message-assistant').last();
  }

  /** Confirms the apply proposed in the newest answer, with the keyboard. */
  async function confirmWithKeyboard() {
    const before = await page.locator('.message-assistant').count();
    await page.locator('.message-assistant').last().locator('[data-card="proposal"]').waitFor();
    await tabTo(
      async () =>
        (await focusedButton('Confirm apply')()) &&
        (await page.evaluate(() => {
          const cards = document.querySelectorAll('.message-assistant');
          return cards[cards.length - 1]?.contains(document.activeElement) ?? false;
        })),
      'the newest Confirm apply',
    );
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.message-assistant').count(), { timeout: 20_000 }).toBe(before + 1);
  }

  it('keeps every release card live, offers a confirmed proposal once, and works with the keyboard alone', async () => {
    let release!: () => void;
    srv.driver.hold = new Promise<void>((resolve) => (release = resolve));
    await page.goto('/assistant');
    await page.getByRole('heading', { name: 'Command center' }).waitFor();

    const drafted = await say('push web v2 to staging');
    expect(await drafted.textContent()).toContain('TAG=v2');
    await page.waitForURL(/\/assistant\/[0-9a-f-]{36}$/);
    await say('apply it');
    await confirmWithKeyboard();
    await say('deploy api to staging with TAG=2');
    await say('apply it');
    await confirmWithKeyboard();

    // Both applies hold in `applying`; the card of the first (in an earlier answer) and of the second follow them.
    const cards = page.locator('.message-assistant [data-card="release"]');
    const webCard = page.locator('.message-assistant').filter({ hasText: 'Applying release' }).first().locator('[data-card="release"]');
    const apiCard = page.locator('.message-assistant').filter({ hasText: 'Applying release' }).last().locator('[data-card="release"]');
    await expect.poll(() => webCard.getAttribute('data-state'), { timeout: 20_000 }).toBe('applying');
    await expect.poll(() => apiCard.getAttribute('data-state'), { timeout: 20_000 }).toBe('applying');
    release();
    srv.driver.hold = null;
    await expect.poll(() => webCard.getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    await expect.poll(() => apiCard.getAttribute('data-state'), { timeout: 30_000 }).toBe('succeeded');
    // The drafted cards of the same releases, further up, followed them too.
    await expect
      .poll(
        async () =>
          (await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).filter((s) => s === 'succeeded').length,
      )
      .toBeGreaterThanOrEqual(4);
    expect(await accessibilityViolations(page)).toEqual([]);

    // After a reload, each confirmed proposal shows as confirmed, and is offered no more.
    await page.reload();
    await page.locator('[data-card="proposal"]').first().waitFor();
    const proposals = page.locator('[data-card="proposal"] button');
    expect(await proposals.allTextContents()).toEqual(['Confirmed', 'Confirmed']);
    for (const b of await proposals.all()) expect(await b.isDisabled()).toBe(true);
  }, 120_000);

  it('proposes the next safe step of an investigation, confirmed from the keyboard', async () => {
    const bad = await previewed(srv, {
      application: 'api',
      environment: 'staging',
      spec: { compose: SPEC('api') },
      parameters: { TAG: 'fail' },
    });
    await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${bad.id}/apply`, { previewToken: bad.token });
    await releaseIn(srv, bad.id, ['failed']);

    const answer = await say('why did api fail in staging?');
    expect(await answer.locator('[data-card="diagnostics"]').textContent()).toContain('CONTAINER_EXITED');
    expect(await answer.locator('[data-card="changes"]').textContent()).toContain('TAG');
    const proposal = answer.locator('[data-card="proposal"]').first();
    expect(await proposal.textContent()).toMatch(/Roll back to [0-9a-f]{8}/);
    await tabTo(
      async () => (await focusedButton('Confirm')()) && (await proposal.evaluate((card) => card.contains(document.activeElement))),
      'the rollback proposal',
    );
    const before = await page.locator('.message-assistant').count();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.message-assistant').count(), { timeout: 20_000 }).toBe(before + 1);
    await expect.poll(() => page.locator('[data-pending]').count(), { timeout: 20_000 }).toBe(0);
    const rolled = page.locator('.message-assistant').last();
    expect(await rolled.textContent()).toContain('Drafted rollback release');
    expect(await rolled.locator('[data-card="proposal"] button').textContent()).toBe('Confirm apply');
  }, 60_000);
});
