import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenIdClientProvider } from '../../src/adapters/identity/openid-client-provider.js';
import { expectAccessible, launchChromium, watchedPage } from '../support/browser.js';
import { CLIENT_ID, CLIENT_SECRET, freePort, TestOidcProvider } from '../support/test-oidc-provider.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const ALICE = { sub: 'alice', password: 'alice-password', name: 'Alice', email: 'alice@example.com', groups: ['platform-admins'] };

/** Sign-in with a real OpenID provider in Chromium: the provider's login form, the mapped role, CSRF and sign-out. */
describe('OpenID Connect sign-in in Chromium', () => {
  let srv: TestServer;
  let idp: TestOidcProvider;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    idp = await TestOidcProvider.start({ redirectUri: `${publicUrl}/auth/callback`, accounts: [ALICE] });
    srv = await startTestServer({
      dialect: 'sqlite',
      port,
      publicUrl,
      webRoot: WEB_ROOT,
      identity: {
        oidc: new OpenIdClientProvider({
          issuer: idp.issuer,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          name: 'Test IdP',
          scopes: 'openid profile email',
          redirectUri: `${publicUrl}/auth/callback`,
        }),
      },
    });
    const mapped = await srv.api(ADMIN_TOKEN, 'PUT', '/api/v1/role-mappings', [
      { claim: 'groups', value: 'platform-admins', role: 'admin', environments: ['*'] },
    ]);
    expect(mapped.status).toBe(200);
    browser = await launchChromium();
    context = await browser.newContext({ baseURL: srv.url, viewport: { width: 1280, height: 900 } });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
    await idp?.close();
  });

  it('signs in through the provider with the mapped role, refuses a change without the CSRF value, and signs out', async () => {
    const page = await watchedPage(context, 'oidc-sign-in');
    // An answer from the provider this browser never asked for ends on the sign-in page, in words.
    await page.goto('/auth/callback?code=stale&state=stale');
    await page.waitForURL(`${srv.url}/sign-in?failed=sign_in_expired`);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Sign-in did not finish');
    await expectAccessible(page, 'the sign-in page after a failed sign-in');
    await page.goto('/approvals');
    const button = page.getByRole('link', { name: 'Sign in with Test IdP' });
    await button.waitFor();
    expect(await page.getByLabel('API token', { exact: true }).count(), 'token sign-in stays for automation').toBe(1);
    await expectAccessible(page, 'the sign-in page with a provider');

    await button.click();
    await page.getByRole('heading', { name: 'Sign in to the test provider' }).waitFor();
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL(`${srv.url}/approvals`);
    await expect.poll(() => page.getByTestId('subject').textContent()).toBe(`${new URL(idp.issuer).host}:alice`);
    // The admin mapping shows the admin pages.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Environments' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'shipgate_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Lax');

    const answers = await page.evaluate(async () => {
      const body = JSON.stringify({ name: 'oidc-browser', runtime: 'compose', target: { project: 'oidcbrowser' } });
      const headers = { 'content-type': 'application/json' };
      const refused = await fetch('/api/v1/environments', { method: 'POST', headers, body });
      const me = (await (await fetch('/api/v1/me')).json()) as { csrf: string };
      const accepted = await fetch('/api/v1/environments', { method: 'POST', headers: { ...headers, 'x-shipgate-csrf': me.csrf }, body });
      return { refused: { status: refused.status, code: ((await refused.json()) as { code: string }).code }, accepted: accepted.status };
    });
    expect(answers).toEqual({ refused: { status: 403, code: 'CSRF_REQUIRED' }, accepted: 201 });

    // The page's own changes carry the CSRF value: an admin signed in at the provider issues a token on the Access page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access' }).click();
    await page.getByLabel('Subject').fill('issued-by-sso');
    await page.getByRole('button', { name: 'Issue token' }).click();
    await page.getByTestId('token-secret').waitFor();
    const tokens = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/tokens');
    expect(tokens.body.items.find((t: { subject: string }) => t.subject === 'issued-by-sso')?.createdBy).toBe(
      `${new URL(idp.issuer).host}:alice`,
    );
    await page.getByRole('button', { name: 'Done' }).click();

    // Her own mapping, made a viewer's on the same page, applies to her session at its next request.
    const mapping = page.getByRole('region', { name: 'Role mappings' }).getByRole('group', { name: 'Mapping 1', exact: true });
    expect(await mapping.getByLabel('Value').inputValue()).toBe('platform-admins');
    await mapping.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Save mappings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Deployments' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Access' }).count(), 'no admin pages for a viewer').toBe(0);
    expect((await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()) as { bindings: unknown })).bindings).toEqual([
      { role: 'viewer', environments: ['*'] },
    ]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();
    const after = await fetch(`${srv.url}/api/v1/me`, { headers: { cookie: `shipgate_session=${cookie?.value}` } });
    expect(after.status, 'the old cookie no longer works').toBe(401);
  });
});
