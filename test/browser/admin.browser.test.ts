import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/adapters/storage/database.tables.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { expectAccessible, launchChromium, signedInContext, watchedPage as pageOf } from '../support/browser.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const ADMIN_PAGES = ['Environments', 'Access', 'Audit'] as const;

/** The admin pages (Environments, Access, Audit) in Chromium against a server of their own. */
describe('the admin pages in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  let admin: BrowserContext;
  const downloads = mkdtempSync(join(tmpdir(), 'shipgate-admin-'));

  /** Opens an admin page from the navigation. */
  async function openFromNav(page: Page, name: (typeof ADMIN_PAGES)[number]) {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
  }

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    srv = await startTestServer({ dialect: 'sqlite', webRoot: WEB_ROOT });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'staging', runtime: 'compose', target: { project: 'adminstg' } });
    browser = await launchChromium();
    admin = await signedInContext(browser, srv.url, ADMIN_TOKEN);
    await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  }, 120_000);

  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
    rmSync(downloads, { recursive: true, force: true });
  });

  it('shows a non-admin neither the links nor the pages', async () => {
    const context = await signedInContext(browser, srv.url, await srv.tokenFor('dana', 'deployer'));
    try {
      const page = await pageOf(context, 'admin-pages-deployer');
      await page.goto('/');
      await page.getByTestId('subject').waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Deployments' }).waitFor();
      for (const name of ADMIN_PAGES) expect(await nav.getByRole('link', { name }).count(), name).toBe(0);
      for (const path of ['/environments', '/access', '/audit']) {
        await page.goto(path);
        await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
        await expectAccessible(page, `${path} for a deployer`);
      }
      expect(await page.getByRole('button', { name: 'Verify the chain' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('creates an environment (a CEL error shown at its rule first), then changes its approval, verification, freeze windows', async () => {
    const page = await pageOf(admin, 'environments');
    await openFromNav(page, 'Environments');
    await expectAccessible(page, 'environments');
    await page.getByRole('button', { name: 'New environment' }).click();
    const form = page.getByRole('region', { name: 'New environment' });
    await form.getByLabel('Name', { exact: true }).fill('production');

    // A target another environment uses is refused, and the page says why, next to the field.
    await form.getByLabel('Compose project').fill('adminstg');
    await form.getByRole('button', { name: 'Create environment' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('The target belongs to another environment');
    expect(await form.locator('[data-path="/target/project"]').textContent()).toContain('overlaps another environment');
    expect(await form.getByLabel('Compose project').getAttribute('aria-invalid')).toBe('true');
    await form.getByLabel('Compose project').fill('adminprod');

    await form.getByLabel('Production environment').check();
    await form.getByLabel('Promote from').selectOption('staging');
    await form.getByLabel('Soak time upstream (seconds)').fill('60');

    // The privileged profile turns the built-in rules off: asked first, and kept as it was when declined.
    await form.getByLabel('Profile').selectOption('privileged');
    const dialog = page.getByRole('dialog', { name: 'Turn the built-in rules off?' });
    await dialog.waitFor();
    await expectAccessible(page, 'environments, privileged confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await form.getByLabel('Profile').inputValue()).toBe('baseline');

    await form.getByRole('button', { name: 'Add rule' }).click();
    const rule = form.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Rule id').fill('no-latest');
    await rule.getByLabel('Message').fill('pin image tags');
    await rule.getByLabel('Expression').fill('images.all(i, !i.endsWith(":latest")');
    await form.getByRole('button', { name: 'Create environment' }).click();
    const ruleError = rule.locator('[data-path="/policy/rules/0/expression"]');
    await ruleError.waitFor();
    expect((await ruleError.textContent())!.length).toBeGreaterThan(0);
    expect(await rule.getByLabel('Expression').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByRole('alert').textContent()).toContain('Please check the input');
    await expectAccessible(page, 'environments, a rule refused');
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).status).toBe(404);

    await rule.getByLabel('Expression').fill('images.all(i, !i.endsWith(":latest"))');
    await form.getByRole('button', { name: 'Create environment' }).click();
    await expect.poll(() => page.getByText('Saved environment production.').count()).toBe(1);
    const created = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).body;
    expect(created).toMatchObject({
      runtime: 'compose',
      target: { project: 'adminprod' },
      production: true,
      promotion: { from: 'staging', soakSeconds: 60 },
      policy: { profile: 'baseline', rules: [{ id: 'no-latest', severity: 'deny', message: 'pin image tags' }] },
      verification: null,
    });
    expect(await page.getByRole('row', { name: /production/ }).textContent()).toContain('1 custom rule');

    // The form stays open on what was saved, for changes.
    const edit = page.getByRole('region', { name: 'Edit production' });
    await edit.getByLabel('Approval required before apply').check();
    await edit.getByLabel('Approvers needed').fill('2');
    await edit.getByLabel('Rollbacks go ahead without approval').check();
    await edit.getByLabel('Watch each release after its rollout').check();
    await edit.getByLabel('Window (seconds)').fill('30');
    await edit.getByLabel('Restarts allowed').fill('1');
    await edit.getByLabel('HTTP probe URL').fill('http://127.0.0.1:9/healthz');
    await edit.getByLabel('Expected status').fill('204');
    await edit.getByLabel('Roll back automatically when verification fails').check();
    await edit.getByRole('button', { name: 'Add freeze window' }).click();
    const window = edit.getByRole('group', { name: 'Freeze window 1' });
    await window.getByLabel('Start').fill('2026-12-24T00:00');
    await window.getByLabel('End').fill('2026-12-27T00:00');
    await window.getByLabel('Reason').fill('holidays');
    await expectAccessible(page, 'environments, editing');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).body.approval.required).toBe(true);
    const changed = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).body;
    expect(changed).toMatchObject({
      approval: { required: true, minApprovers: 2, rollbackWithoutApproval: true, allowSelfApproval: false },
      verification: {
        windowSeconds: 30,
        maxRestarts: 1,
        httpProbe: { url: 'http://127.0.0.1:9/healthz', expectStatus: 204 },
        autoRollback: true,
      },
      freezeWindows: [{ reason: 'holidays' }],
      policy: { rules: [{ id: 'no-latest' }] },
      promotion: { from: 'staging', soakSeconds: 60 },
    });
    const [freeze] = changed.freezeWindows;
    expect(Date.parse(freeze.end) - Date.parse(freeze.start)).toBe(3 * 86_400_000);

    // A later visit shows what is stored.
    await page.reload();
    await page.getByRole('button', { name: 'Edit production' }).click();
    const again = page.getByRole('region', { name: 'Edit production' });
    expect(await again.getByLabel('Approvers needed').inputValue()).toBe('2');
    expect(await again.getByRole('group', { name: 'Freeze window 1' }).getByLabel('Reason').inputValue()).toBe('holidays');
    expect(await again.getByRole('group', { name: 'Rule 1' }).getByLabel('Expression').inputValue()).toBe(
      'images.all(i, !i.endsWith(":latest"))',
    );
  }, 60_000);

  it('issues a token with its secret shown once, which works until it is revoked on the page', async () => {
    const page = await pageOf(admin, 'access');
    await openFromNav(page, 'Access');
    await expectAccessible(page, 'access');
    await page.getByLabel('Subject').fill('ci-deployer');
    await page.getByLabel('Role', { exact: true }).selectOption('deployer');
    await page.getByRole('group', { name: 'Environments of binding 1' }).getByLabel('Every environment').uncheck();
    await page.getByRole('group', { name: 'Environments of binding 1' }).getByLabel('staging').check();
    await page.getByLabel('Expires in (days)').fill('30');
    await page.getByRole('button', { name: 'Issue token' }).click();
    const token = (await page.getByTestId('token-secret').textContent())!;
    expect(token.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await expect.poll(() => page.getByText('Copied to the clipboard.').count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await expectAccessible(page, 'access with the secret');

    const me = await srv.api(token, 'GET', '/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ subject: 'ci-deployer', bindings: [{ role: 'deployer', environments: ['staging'] }] });

    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('token-secret').count()).toBe(0);
    await page.reload();
    const row = page.getByRole('row', { name: /ci-deployer/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('deployer on staging');
    expect(await row.locator('[data-token-status]').textContent()).toBe('active');
    expect(await page.content()).not.toContain(token);

    await row.getByRole('button', { name: 'Revoke the token of ci-deployer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this token?' });
    await dialog.waitFor();
    await expectAccessible(page, 'access, revoking');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => row.locator('[data-token-status]').textContent()).toMatch(/^revoked/);
    expect(await row.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    const refused = await srv.api(token, 'GET', '/api/v1/me');
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  }, 60_000);

  it('edits the role mappings: a bad issuer named at its field, saved ones kept after a reload and in the API, removed again', async () => {
    const page = await pageOf(admin, 'role-mappings');
    await openFromNav(page, 'Access');
    const editor = page.getByRole('region', { name: 'Role mappings' });
    await editor.getByText('No mappings: only API tokens grant roles.').waitFor();
    expect(await editor.getByRole('button', { name: 'Save mappings' }).isDisabled(), 'nothing to save yet').toBe(true);

    await editor.getByRole('button', { name: 'Add mapping' }).click();
    const first = editor.getByRole('group', { name: 'Mapping 1', exact: true });
    await first.getByLabel('Value').fill('platform-admins');
    await first.getByLabel('Role').selectOption('approver');
    await first.getByRole('group', { name: 'Environments of mapping 1' }).getByLabel('Every environment').uncheck();
    await first.getByRole('group', { name: 'Environments of mapping 1' }).getByLabel('staging').check();
    await editor.getByRole('button', { name: 'Add mapping' }).click();
    const second = editor.getByRole('group', { name: 'Mapping 2', exact: true });
    await second.getByLabel('Issuer').fill('token.actions.example.com');
    await second.getByLabel('Claim').fill('repository');
    await second.getByLabel('Value').fill('acme/shop');
    await second.getByLabel('Role').selectOption('deployer');
    await expectAccessible(page, 'access, editing role mappings');

    // The API's word on a bad field lands next to it, and nothing is saved.
    await editor.getByRole('button', { name: 'Save mappings' }).click();
    await expect.poll(() => second.locator('[data-path="/1/issuer"]').count()).toBe(1);
    expect(await second.getByLabel('Issuer').getAttribute('aria-invalid')).toBe('true');
    expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/role-mappings')).body.items).toEqual([]);
    await expectAccessible(page, 'access, a role mapping refused');

    await second.getByLabel('Issuer').fill('https://token.actions.example.com');
    await editor.getByRole('button', { name: 'Save mappings' }).click();
    await editor.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/role-mappings');
    expect(saved.body.items).toEqual([
      { issuer: null, claim: 'groups', value: 'platform-admins', role: 'approver', environments: ['staging'] },
      { issuer: 'https://token.actions.example.com', claim: 'repository', value: 'acme/shop', role: 'deployer', environments: ['*'] },
    ]);

    await page.reload();
    await editor.getByRole('group', { name: 'Mapping 2', exact: true }).waitFor();
    expect(await editor.getByRole('group', { name: 'Mapping 1', exact: true }).getByLabel('Value').inputValue()).toBe('platform-admins');
    expect(await editor.getByRole('group', { name: 'Mapping 2', exact: true }).getByLabel('Every environment').isChecked()).toBe(true);
    await editor.getByRole('button', { name: 'Remove mapping 1' }).click();
    await editor.getByRole('button', { name: 'Remove mapping 1' }).click();
    await editor.getByRole('button', { name: 'Save mappings' }).click();
    await editor.getByText('No mappings: only API tokens grant roles.').waitFor();
    await expect.poll(async () => (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/role-mappings')).body.items).toEqual([]);
  }, 60_000);

  it('verifies the chain, against a downloaded checkpoint too, exports the events, and names a truncated or tampered chain', async () => {
    for (const application of ['web', 'api']) {
      await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
        application,
        environment: 'staging',
        spec: { compose: `services:\n  ${application}:\n    image: nginx:1.27\n` },
      });
    }
    const page = await pageOf(admin, 'audit');
    await openFromNav(page, 'Audit');
    await expectAccessible(page, 'audit');

    await page.getByRole('button', { name: 'Verify the chain' }).click();
    const verdict = page.locator('[data-verdict]');
    await verdict.waitFor();
    expect(await verdict.getAttribute('data-verdict')).toBe('ok');
    expect(await verdict.textContent()).toMatch(/The chain is intact.*\d+ events? checked/);
    await expectAccessible(page, 'audit, verified');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download checkpoint' }).click(),
    ]);
    const file = join(downloads, download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toMatch(/^shipgate-checkpoint-\d+\.json$/);
    const checkpoint = JSON.parse(readFileSync(file, 'utf8'));
    expect(checkpoint).toMatchObject({ seq: expect.any(Number), hash: expect.any(String), signature: expect.any(String) });

    await page.getByLabel('Checkpoint file').setInputFiles(file);
    await page.getByRole('button', { name: 'Verify against this checkpoint' }).click();
    await expect.poll(() => verdict.textContent()).toContain(`still reaches the checkpoint in ${download.suggestedFilename()}`);
    expect(await verdict.getAttribute('data-verdict')).toBe('ok');

    // A checkpoint this server did not sign is refused by the API, in words.
    const forged = join(downloads, 'forged.json');
    const last = checkpoint.hash.at(-1) === '0' ? '1' : '0';
    writeFileSync(forged, JSON.stringify({ ...checkpoint, hash: `${checkpoint.hash.slice(0, -1)}${last}` }));
    await page.getByLabel('Checkpoint file').setInputFiles(forged);
    await page.getByRole('button', { name: 'Verify against this checkpoint' }).click();
    await expect.poll(() => page.getByRole('alert').getAttribute('data-code')).toBe('VALIDATION_FAILED');

    await page.getByLabel('After event').fill('0');
    const [ndjson] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download export' }).click()]);
    expect(ndjson.suggestedFilename()).toBe('shipgate-audit-after-0.ndjson');
    const exported = join(downloads, 'export.ndjson');
    await ndjson.saveAs(exported);
    const lines = readFileSync(exported, 'utf8').trim().split('\n');
    expect(lines.length).toBe(checkpoint.seq);
    expect(JSON.parse(lines[0]!)).toMatchObject({ seq: 1, type: 'release.created' });
    await expectAccessible(page, 'audit, exported');

    // Rows cut from the database, the head row pointed back as a writer would: intact by itself, TRUNCATED against the file.
    const db = (srv.store as unknown as { db: Kysely<Database> }).db;
    await db.deleteFrom('timeline_events').where('seq', '>=', checkpoint.seq).execute();
    const head = (await srv.store.timeline.scan(0, 100_000)).at(-1)!;
    await db.updateTable('audit_head').set({ seq: head.seq, hash: head.hash }).where('id', '=', 1).execute();
    await page.getByLabel('Checkpoint file').setInputFiles(file);
    await page.getByRole('button', { name: 'Verify against this checkpoint' }).click();
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('TRUNCATED');
    expect(await verdict.textContent()).toContain('The chain was cut short');
    expect(await verdict.textContent()).toContain(`before the checkpoint (event ${checkpoint.seq})`);

    // An event rewritten in place: TAMPERED, from that event on.
    await db
      .updateTable('timeline_events')
      .set({ data: JSON.stringify({ forged: true }) })
      .where('seq', '=', 1)
      .execute();
    await page.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('TAMPERED');
    expect(await verdict.textContent()).toContain('Event 1 is not what was written');
    await expectAccessible(page, 'audit, tampered');
  }, 60_000);
});
