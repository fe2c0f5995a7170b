import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A browser context signed in with `token` (the UI keeps it in session storage). */
export async function signedInContext(
  browser: Browser,
  baseURL: string,
  token: string,
  viewport = { width: 1280, height: 900 },
): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, viewport });
  await context.addInitScript((t) => window.sessionStorage.setItem('shipgate.token', t), token);
  return context;
}

/** Runs axe-core on the page and returns the serious and critical violations. */
export async function accessibilityViolations(page: Page): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const result = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Saves a screenshot under .test-artifacts/screenshots (for failures, and for the docs). */
export async function screenshot(page: Page, name: string, dir = '.test-artifacts/screenshots'): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A new page of `context` that, if the running test fails, saves a screenshot named after `name` and prints its page errors. */
export async function watchedPage(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  onTestFailed(async () => {
    await screenshot(page, `failed-${name}`).catch(() => undefined);
    if (errors.length > 0) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
  });
  return page;
}

/** Fails the running test when axe finds serious or critical violations on the page. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await accessibilityViolations(page), `${what}: serious or critical axe violations`).toEqual([]);
}
