import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { deployed } from '../support/deploy.js';
import { accessibilityViolations, launchChromium, screenshot, signedInContext } from '../support/browser.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
const DOCS = process.env['SHIPGATE_DOCS_SCREENSHOTS'] === '1';
const CANARY = 'ui-canary-5ecret';

const spec = (tag: string, extra = '') => `services:
  web:
    image: shipgate-test/app:${tag}
    init: true
    stop_grace_period: 1s
    environment:
      API_TOKEN: ${CANARY}
    healthcheck:
      test: ["CMD", "true"]
      interval: 1s
      retries: 3
${extra}`;

/** The web UI in Chromium against a real server driving the real Docker engine. */
describe('the web UI in Chromium', () => {
  let srv: TestServer;
  let browser: Browser;
  let dana: BrowserContext;
  let alice: BrowserContext;
  let tokens: Record<string, string>;
  const contexts: BrowserContext[] = [];

  /** A page that saves a screenshot if the test fails. */
  async function pageOf(context: BrowserContext, name: string): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
    onTestFailed(async () => {
      await screenshot(page, `failed-${name}`).catch(() => undefined);
      if (errors.length > 0) console.error(`page errors in ${name}:\n${errors.join('\n')}`);
    });
    return page;
  }

  async function expectAccessible(page: Page, what: string) {
    expect(await accessibilityViolations(page), `${what}: serious or critical axe violations`).toEqual([]);
  }

  async function stateOf(page: Page) {
    return page.getByTestId('state').textContent();
  }

  beforeAll(async () => {
    if (!existsSync(`${WEB_ROOT}/index.html`)) execFileSync('npm', ['run', '--silent', 'build:web'], { stdio: 'inherit' });
    await ensureTestImages();
    srv = await startTestServer({
      dialect: 'sqlite',
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
      webRoot: WEB_ROOT,
    });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'staging',
      runtime: 'compose',
      target: { project: 'uistg' },
      applyTimeoutSeconds: 30,
    });
    await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'production',
      runtime: 'compose',
      target: { project: 'uiprod' },
      production: true,
      approval: { required: true, minApprovers: 1 },
      applyTimeoutSeconds: 30,
    });
    tokens = {
      dana: await srv.tokenFor('dana', 'deployer'),
      alice: await srv.tokenFor('alice', 'approver'),
      vic: await srv.tokenFor('vic', 'viewer', ['staging']),
    };
    browser = await launchChromium();
    dana = await signedInContext(browser, srv.url, tokens['dana']!);
    alice = await signedInContext(browser, srv.url, tokens['alice']!);
    contexts.push(dana, alice);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await srv?.close();
    for (const p of ['uistg-web', 'uiprod-shop', 'uistg-api', 'uigsrc-web', 'uigdst-web']) await removeProject(p).catch(() => undefined);
  });

  it('signs in with a token and shows who you are', async () => {
    const context = await browser.newContext({ baseURL: srv.url });
    contexts.push(context);
    const page = await pageOf(context, 'sign-in');
    await page.goto('/');
    await expect.poll(() => page.url()).toContain('/sign-in');
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('API token').fill('sgt_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This token was not accepted');
    await page.getByLabel('API token').fill(tokens['dana']!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('subject').textContent()).toBe('dana');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.url()).toContain('/sign-in');
  });

  it('drafts, previews and submits; another user approves; the deployer applies and watches it succeed live', async () => {
    const page = await pageOf(dana, 'flow-deployer');
    await page.goto('/');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await expectAccessible(page, 'deployments');
    await page.getByRole('button', { name: 'New release' }).click();
    const form = page.getByRole('region', { name: 'New release' });
    await form.getByRole('combobox', { name: 'Environment' }).selectOption('production');
    await form.getByRole('textbox', { name: 'Application' }).fill('shop');
    const editor = page.getByRole('textbox', { name: 'Spec (YAML)' });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('services:\n  web: [unclosed');
    await expect.poll(() => page.locator('.yaml-problems').textContent()).toMatch(/Line \d+/);
    await expect.poll(() => page.getByRole('button', { name: 'Draft release' }).isDisabled()).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(spec('${TAG}'));
    await form.getByLabel('Parameter 1 value').fill('1');
    await form.getByLabel('Description').fill('First shop release');
    await page.getByRole('button', { name: 'Draft release' }).click();
    await page.waitForURL(/\/releases\//);
    const releaseUrl = page.url();
    await expect.poll(() => stateOf(page)).toBe('draft');

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.getByLabel('Change summary').first().textContent()).toContain('1 to create');
    const diff = await page.locator('.diff').first().textContent();
    expect(diff).toContain('image: shipgate-test/app:1');
    expect(diff).toContain('new: web');
    expect(diff).not.toContain('/dev/null');
    expect(diff).not.toContain(CANARY);
    expect(await page.locator('.countdown').first().getAttribute('data-seconds-left')).not.toBe('0');
    await expect.poll(() => stateOf(page)).toBe('previewed');
    expect(await page.getByTestId('approval-status').textContent()).toBe('required, not requested yet');
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await expect.poll(() => stateOf(page)).toBe('pending approval');
    expect(await page.getByTestId('approval-status').textContent()).toBe('pending (0/1)');
    await expectAccessible(page, 'release detail');
    if (DOCS) await screenshot(page, 'release-detail', 'docs');

    const own = await pageOf(dana, 'flow-own-approvals');
    await own.goto('/approvals');
    const ownTicket = own.locator('.ticket', { hasText: 'shop' });
    await ownTicket.waitFor();
    expect(await ownTicket.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    expect(await ownTicket.textContent()).toContain('You need the approver role');
    await own.close();

    const approver = await pageOf(alice, 'flow-approver');
    await approver.goto('/approvals');
    const ticket = approver.locator('.ticket', { hasText: 'shop' });
    await ticket.waitFor();
    expect(await ticket.textContent()).toContain('Requested by dana');
    expect(await ticket.textContent()).toContain('1 to create');
    await expectAccessible(approver, 'approvals');
    if (DOCS) await screenshot(approver, 'approvals', 'docs');
    // On the release itself the approver sees the decision as theirs; the deployer who submitted it only waits.
    const approverView = await pageOf(alice, 'flow-approver-release');
    await approverView.goto(releaseUrl);
    const approvalStep = approverView.locator('.step', { hasText: 'Submit for approval' });
    await expect.poll(() => approvalStep.getAttribute('class')).toContain('step-current');
    expect(await approvalStep.textContent()).toContain('your decision, in Approvals');
    expect(await page.locator('.step', { hasText: 'Submit for approval' }).getAttribute('class')).toContain('step-waiting');
    await approverView.close();
    await ticket.getByLabel('Comment').fill('ship it');
    await ticket.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => approver.locator('.ticket', { hasText: 'shop' }).count()).toBe(0);

    // The deployer's page learns of the approval live, without a reload.
    expect(page.url()).toBe(releaseUrl);
    await expect.poll(() => stateOf(page), { timeout: 10_000 }).toBe('approved');
    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Apply shop to production?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('1 to create');
    expect(await dialog.textContent()).toContain('create Service/web');
    await dialog.getByRole('button', { name: 'Confirm apply' }).click();
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          seen.add((await page.getByTestId('stage').textContent()) ?? '');
          return stateOf(page);
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe('succeeded');
    expect([...seen].some((s) => ['queued', 'applying', 'waiting for rollout', 'verifying'].includes(s))).toBe(true);
    await page.getByRole('tab', { name: 'Timeline' }).click();
    await expect.poll(() => page.locator('.event[data-type="execution.succeeded"]').count()).toBe(1);
    expect(await page.locator('.event[data-type="approval.approved"]').textContent()).toContain('alice');
    expect(await page.locator('.event[data-type="release.submitted"] .badge-channel').textContent()).toBe('Web');
    // The timeline reads in words, numbered within the release; the raw facts sit behind each entry's details.
    const approved = page.locator('.event[data-type="approval.approved"]');
    expect(await approved.locator('.event-sentence').textContent()).toBe('alice approved: “ship it”');
    expect(await page.locator('.event .event-number').first().textContent()).toBe('1');
    expect(await page.locator('.event[data-type="release.created"] .event-sentence').textContent()).toBe('dana drafted revision 1');
    const rawType = approved.locator('.event-facts code', { hasText: 'approval.approved' });
    expect(await rawType.isVisible()).toBe(false);
    await approved.locator('summary').click();
    expect(await rawType.isVisible()).toBe(true);
    await expectAccessible(page, 'release timeline');
    expect(await page.content()).not.toContain(CANARY);
  }, 120_000);

  it('starts a release from the last one with new parameters (the image bump)', async () => {
    const page = await pageOf(dana, 'from-last');
    await page.goto('/');
    await page.getByRole('button', { name: 'New release' }).click();
    const form = page.getByRole('region', { name: 'New release' });
    await form.getByRole('combobox', { name: 'Environment' }).selectOption('production');
    await form.getByLabel('The last release').check();
    await form.getByRole('combobox', { name: 'Application' }).selectOption('shop');
    await expect.poll(() => form.getByLabel('Parameter 1 value').inputValue()).toBe('1');
    await form.getByLabel('Parameter 1 value').fill('2');
    await form.getByRole('button', { name: 'Draft release' }).click();
    await page.waitForURL(/\/releases\//);
    await expect.poll(() => page.locator('.facts').textContent()).toContain('TAG=2');
    // The draft says which release it was started from, and links to it.
    const source = page.locator('.facts').getByRole('link', { name: /^release [0-9a-f]{8}$/ });
    await source.waitFor();
    const last = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=production&application=shop&state=succeeded');
    expect(await source.getAttribute('href')).toBe(`/releases/${last.body.items[0].id}`);
    expect(await page.locator('.facts').textContent()).toContain('started from release');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.getByLabel('Change summary').first().textContent()).toContain('1 to update');
    expect(await page.locator('.diff').first().textContent()).toContain('image: shipgate-test/app:2');
    await page.getByRole('button', { name: 'Cancel release' }).click();
    await expect.poll(() => stateOf(page)).toBe('cancelled');
  });

  it('shows a failing release its diagnostics, explains a stale preview, and rolls back', async () => {
    const good = await srv.api(tokens['dana']!, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: spec('1') },
    });
    const gp = await srv.api(tokens['dana']!, 'POST', `/api/v1/releases/${good.body.id}/preview`);
    await srv.api(tokens['dana']!, 'POST', `/api/v1/releases/${good.body.id}/apply`, { previewToken: gp.body.preview.token });
    const bad = await srv.api(tokens['dana']!, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: spec('2', `    command: ["sh", "-c", "echo fatal: config missing; exit 4"]\n`) },
    });
    const page = await pageOf(dana, 'failing');
    await page.goto(`/releases/${good.body.id}`);
    await expect.poll(() => stateOf(page), { timeout: 30_000 }).toBe('succeeded');

    await page.goto(`/releases/${bad.body.id}`);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await expect.poll(() => page.getByLabel('Change summary').first().textContent()).toContain('1 to update');
    // Someone changes what runs behind Shipgate's back: the preview no longer describes the truth.
    await docker(['rm', '-f', 'uistg-web-web-1']);
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    const notice = page.locator('.notice-error[data-reason="PREVIEW_STALE"]').first();
    await notice.waitFor();
    expect(await notice.textContent()).toContain('What runs changed since the preview');
    expect(await notice.textContent()).not.toContain('{');
    await page.getByRole('dialog').getByRole('button', { name: 'Preview again' }).click();
    await expect.poll(() => page.getByLabel('Change summary').first().textContent()).toContain('1 to create');
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await expect.poll(() => stateOf(page), { timeout: 60_000 }).toBe('failed');
    await expect.poll(() => page.getByRole('tab', { name: 'Diagnostics' }).getAttribute('aria-selected')).toBe('true');
    const finding = page.locator('.finding').first();
    await finding.waitFor();
    expect(await finding.getAttribute('data-code')).toBe('CONTAINER_EXITED');
    // One failure banner, in the same words as the diagnostics' first finding.
    const banner = page.locator('.diagnosis-lead');
    expect(await page.locator('.notice-error').count()).toBe(1);
    expect(await banner.getAttribute('data-code')).toBe('CONTAINER_EXITED');
    const findingText = (await finding.textContent())!;
    const headline = (await banner.getByRole('heading').textContent())!;
    expect(findingText.toLowerCase()).toContain(headline.toLowerCase());
    expect(await page.locator('.logs').textContent()).toContain('fatal: config missing');
    await expectAccessible(page, 'diagnostics');
    if (DOCS) await screenshot(page, 'diagnostics', 'docs');

    await page.getByRole('button', { name: 'Roll back…' }).click();
    await page.getByRole('button', { name: 'Draft the rollback' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(bad.body.id));
    await expect.poll(() => page.locator('.facts').textContent()).toContain('rollback');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await expect.poll(() => stateOf(page), { timeout: 60_000 }).toBe('succeeded');
    expect((await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${bad.body.id}`)).body.state).toBe('rolled_back');
  }, 120_000);

  it('leads the page of a release whose image cannot be pulled with that finding, above everything else', async () => {
    const apply = async (compose: string) => {
      const rel = await srv.api(tokens['dana']!, 'POST', '/api/v1/releases', {
        application: 'pull',
        environment: 'staging',
        spec: { compose },
      });
      const p = await srv.api(tokens['dana']!, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
      await srv.api(tokens['dana']!, 'POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
      return rel.body.id as string;
    };
    // Its own page, closed after: an open release page keeps a live stream, and the chat test after this one shares the context.
    const page = await pageOf(dana, 'diagnosis-lead');
    try {
      await page.goto(`/releases/${await apply(spec('1'))}`);
      await expect.poll(() => stateOf(page), { timeout: 30_000 }).toBe('succeeded');
      await page.goto(`/releases/${await apply(spec('does-not-exist'))}`);
      await expect.poll(() => stateOf(page), { timeout: 30_000 }).toBe('failed');
      const lead = page.locator('.diagnosis-lead');
      await lead.waitFor();
      expect(await lead.getAttribute('data-code')).toBe('IMAGE_PULL_FAILED');
      expect(await lead.getByRole('heading').textContent()).toBe(
        'The image shipgate-test/app:does-not-exist of service web could not be pulled',
      );
      expect(await lead.locator('.evidence').textContent()).toContain('No such image');
      // The headline comes right under the title: before the release's facts, its actions and its diagnostics tab.
      const before = await page.evaluate(() =>
        ['.facts', '.actions', '.tabs'].every(
          (s) =>
            document.querySelector('.diagnosis-lead')!.compareDocumentPosition(document.querySelector(s)!) &
            Node.DOCUMENT_POSITION_FOLLOWING,
        ),
      );
      expect(before).toBe(true);
      await expect.poll(() => page.locator('.finding[data-code="STILL_RUNNING_PREVIOUS_IMAGE"]').count()).toBe(1);
      await expectAccessible(page, 'diagnosis lead');
      expect(await page.content()).not.toContain(CANARY);
    } finally {
      await page.close();
      await removeProject('uistg-pull').catch(() => undefined);
    }
  }, 120_000);

  it('runs the same governed flow from the command center chat', async () => {
    const page = await pageOf(dana, 'assistant');
    await page.goto('/assistant');
    await page.getByRole('heading', { name: 'Command center' }).waitFor();
    await expectAccessible(page, 'command center (empty)');
    const send = async (text: string) => {
      const before = await page.locator('.message-assistant').count();
      await page.getByLabel('Message').fill(text);
      await page.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => page.locator('.message-assistant').count(), { timeout: 20_000 }).toBe(before + 1);
      return page.locator('.message-assistant').last();
    };
    const drafted = await send('deploy shop to production with TAG=3');
    expect(await drafted.textContent()).toContain('requires approval');
    const preview = drafted.locator('[data-card="preview"]');
    expect(await preview.textContent()).toContain('1 to update');
    await page.waitForURL(/\/assistant\/[0-9a-f-]{36}$/);
    const submitted = await send('submit it');
    expect(await submitted.textContent()).toContain('waits for 1 approval');

    const approver = await pageOf(alice, 'assistant-approver');
    await approver.goto('/approvals');
    const ticket = approver.locator('.ticket', { hasText: 'shop' });
    await ticket.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => approver.locator('.ticket', { hasText: 'shop' }).count()).toBe(0);

    const proposed = await send('apply it');
    const card = proposed.locator('[data-card="proposal"]');
    expect(await card.textContent()).toContain('Apply shop to production');
    await card.getByRole('button', { name: 'Confirm apply' }).click();
    const live = page.locator('.message-assistant').last().locator('[data-card="release"]');
    await expect.poll(() => live.getAttribute('data-state'), { timeout: 60_000 }).toBe('succeeded');
    await expectAccessible(page, 'command center');
    if (DOCS) await screenshot(page, 'command-center', 'docs');
    const releases = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=production&state=succeeded');
    expect(releases.body.items[0]).toMatchObject({ application: 'shop', channel: 'ai', parameters: { TAG: '3' } });
    await page.reload();
    await expect.poll(() => page.locator('.message-user').count()).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('shows a viewer of another environment a plain refusal and nothing of the release', async () => {
    const prod = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=production');
    const id = prod.body.items[0].id;
    const context = await signedInContext(browser, srv.url, tokens['vic']!);
    contexts.push(context);
    const page = await pageOf(context, 'viewer');
    await page.goto(`/releases/${id}`);
    await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
    const text = (await page.locator('main').textContent()) ?? '';
    for (const leak of ['shop', 'production', 'First shop release', 'succeeded']) expect(text).not.toContain(leak);
    await expectAccessible(page, 'not allowed');
    await page.goto('/');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    expect(await page.getByRole('button', { name: 'New release' }).count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toContain('production');
  });

  it("shows the runtime policy's verdict in the preview and explains a refused apply in plain words", async () => {
    const rel = await srv.api(tokens['dana']!, 'POST', '/api/v1/releases', {
      application: 'api',
      environment: 'staging',
      spec: { compose: spec('1', '    privileged: true\n') },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const page = await pageOf(dana, 'policy');
    await page.goto(`/releases/${rel.body.id}`);
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    const verdict = page.getByRole('group', { name: 'Runtime policy' }).first();
    await expect.poll(() => verdict.textContent()).toContain('policy denies this release');
    expect(await verdict.textContent()).toContain('privileged');
    expect(await verdict.textContent()).toContain('Service/web');
    await expectAccessible(page, 'policy verdict');
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('runtime policy refuses this release');
    // A deployer is not offered the admin's override.
    expect(await page.getByRole('button', { name: 'Override the policy (admin)' }).count()).toBe(0);
    expect(await docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=uistg-api'])).toBe('');
  });

  it('promotes a succeeded release, shows where it came from, and counts down its verification', async () => {
    for (const env of [
      { name: 'gate-src', runtime: 'compose', target: { project: 'uigsrc' }, applyTimeoutSeconds: 30 },
      {
        name: 'gate-dst',
        runtime: 'compose',
        target: { project: 'uigdst' },
        applyTimeoutSeconds: 30,
        promotion: { from: 'gate-src', soakSeconds: 0 },
        verification: { windowSeconds: 6, maxRestarts: 0 },
      },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const source = await deployed(srv, { application: 'web', environment: 'gate-src', spec: { compose: spec('3') } });
    const imageId = await docker(['image', 'inspect', '--format', '{{.Id}}', 'shipgate-test/app:3']);

    const page = await pageOf(dana, 'promotion');
    await page.goto(`/releases/${source}`);
    await page.getByRole('button', { name: 'Promote…' }).click();
    await expect.poll(() => page.getByLabel('Target environment').inputValue()).toBe('gate-dst');
    await page.getByRole('button', { name: 'Draft the promotion' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(source));
    const provenance = page.getByRole('region', { name: 'Promotion provenance' });
    await expect.poll(() => provenance.textContent()).toContain('Promoted from gate-src');
    expect(await provenance.getByTestId('pinned-image').first().textContent()).toBe(imageId);
    expect(await page.locator('.facts').textContent()).toContain('promoted from gate-src');
    await expectAccessible(page, 'promoted release');

    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('button', { name: 'Apply…' }).click();
    await page.getByRole('button', { name: 'Confirm apply' }).click();
    const verifying = page.getByTestId('verifying');
    await verifying.waitFor({ timeout: 30_000 });
    const left = Number(await verifying.locator('.countdown').getAttribute('data-seconds-left'));
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(6);
    expect(await page.getByTestId('stage').textContent()).toBe('verifying');
    await expect.poll(() => stateOf(page), { timeout: 30_000 }).toBe('succeeded');
    expect(await verifying.count()).toBe(0);

    // The Deployments page says what the environment holds its releases to.
    await page.goto('/');
    const card = page.getByRole('article', { name: 'Environment gate-dst' });
    await expect.poll(() => card.textContent()).toContain('Takes promotions from gate-src');
    expect(await card.textContent()).toContain('Verifies each rollout for 6s');
  }, 120_000);

  it('works on a narrow screen', async () => {
    const context = await signedInContext(browser, srv.url, tokens['dana']!, { width: 390, height: 844 });
    contexts.push(context);
    const page = await pageOf(context, 'narrow');
    await page.goto('/');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    const prod = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/releases?environment=production&state=succeeded');
    await page.goto(`/releases/${prod.body.items[0].id}`);
    await expect.poll(() => stateOf(page)).toBe('succeeded');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    if (DOCS) await screenshot(page, 'release-narrow', 'docs');
  });

  it('shows on the Deployments page an application that drifted behind its back, with what differs', async () => {
    const container = 'uidrift-web-web-1';
    try {
      const env = { name: 'drift-ui', runtime: 'compose', target: { project: 'uidrift' }, applyTimeoutSeconds: 30 };
      expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
      await deployed(srv, { application: 'web', environment: 'drift-ui', spec: { compose: spec('1') } });
      const page = await pageOf(dana, 'drift');
      await page.goto('/');
      const card = page.getByRole('article', { name: 'Environment drift-ui' });
      const drift = card.getByRole('group', { name: 'Drift of web' });
      await expect.poll(() => drift.locator('[data-drift]').getAttribute('data-drift'), { timeout: 30_000 }).toBe('in_sync');
      // Someone stops the container behind Shipgate's back; a deployer checks at once instead of waiting for the interval.
      await docker(['stop', container]);
      await card.getByRole('button', { name: 'Check now for drift in drift-ui' }).click();
      await expect.poll(() => drift.locator('[data-drift]').getAttribute('data-drift'), { timeout: 30_000 }).toBe('drifted');
      expect(await drift.textContent()).toContain('drifted');
      expect(await drift.locator('.diff').textContent()).toContain(`state: running → exited (container ${container})`);
      expect(await page.content()).not.toContain(CANARY);
      await expectAccessible(page, 'deployments with drift');
    } finally {
      await removeProject('uidrift-web').catch(() => undefined);
    }
  }, 120_000);

  it('subscribes a receiver on the Notifications page (admins only), shows the secret once, sends a test event it gets', async () => {
    // A server of its own: it may send to this machine, where the receiver listens.
    const receiver = await WebhookReceiver.start();
    const own = await startTestServer({ dialect: 'sqlite', webRoot: WEB_ROOT, webhookAllowPrivate: true });
    try {
      await own.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'staging',
        runtime: 'compose',
        target: { project: 'uiwebhooks' },
      });
      const deployer = await signedInContext(browser, own.url, await own.tokenFor('dana', 'deployer'));
      const admin = await signedInContext(browser, own.url, ADMIN_TOKEN);
      contexts.push(deployer, admin);
      await admin.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: own.url });

      const other = await pageOf(deployer, 'notifications-deployer');
      await other.goto('/');
      await other.getByRole('heading', { name: 'Environments' }).waitFor();
      expect(await other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).count()).toBe(0);
      await other.goto('/notifications');
      await other.getByRole('heading', { name: 'Not allowed' }).waitFor();

      const page = await pageOf(admin, 'notifications');
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Notifications' }).click();
      await page.getByRole('heading', { name: 'Notifications', level: 1 }).waitFor();
      await page.getByText('No subscriptions yet').waitFor();
      await expectAccessible(page, 'notifications');
      const url = `${receiver.url}/from-the-ui`;
      await page.getByLabel('Receiver URL').fill(url);
      await page.getByLabel('Format').selectOption('standard');
      await page.getByRole('checkbox', { name: 'release created', exact: true }).check();
      await page.getByRole('button', { name: 'Create subscription' }).click();
      const secret = (await page.getByTestId('webhook-secret').textContent())!;
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      await page.getByRole('button', { name: 'Copy secret' }).click();
      await expect.poll(() => page.getByText('Copied to the clipboard.').count()).toBe(1);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
      await expectAccessible(page, 'notifications with the secret');
      await page.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => page.getByTestId('webhook-secret').count()).toBe(0);
      await page.reload();
      const card = page.getByRole('listitem', { name: url });
      await card.waitFor();
      expect(await card.textContent()).toContain('approval.requested, execution.failed, release.created');
      expect(await page.content()).not.toContain(secret.slice('whsec_'.length));

      await card.getByRole('button', { name: 'Send test event' }).click();
      await expect.poll(() => card.getByRole('status').textContent()).toContain('Test event queued');
      await expect.poll(() => card.locator('[data-delivery-status]').first().textContent(), { timeout: 15_000 }).toBe('delivered');
      expect(await card.getByRole('table').textContent()).toContain('HTTP 204');
      const [received] = receiver.at('/from-the-ui');
      expect(WebhookReceiver.verify(received!, secret)).toMatchObject({ type: 'webhook.test' });
      await expectAccessible(page, 'notifications with a delivery');
      if (DOCS) await screenshot(page, 'notifications', 'docs');

      await card.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: 'Delete this subscription?' }).getByRole('button', { name: 'Delete subscription' }).click();
      await page.getByText('No subscriptions yet').waitFor();
    } finally {
      await own.close();
      await receiver.close();
    }
  }, 120_000);
});
