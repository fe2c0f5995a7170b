import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { DIALECTS } from '../support/dialects.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject, webCompose } from '../support/docker-fixtures.js';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';

const CANARY = 'pull-canary-5c2e8';
const MISSING = 'shipgate-test/does-not-exist:1';

const web = (image: string) => webCompose(image, { API_TOKEN: CANARY });

/**
 * A release whose image cannot be pulled, on the real Docker engine with the product's pull policy (`missing`): the
 * engine may have no route to a registry, or the registry knows no such repository; either way the pull fails.
 */
describe.each(DIALECTS)('a Compose release whose image cannot be pulled (%s)', (dialect) => {
  const project = `pull${dialect}`;
  const container = `${project}-web-web-1`;
  let srv: TestServer;
  const seen: ApiResponse[] = [];

  async function api(method: string, path: string, body?: unknown) {
    const res = await srv.api(ADMIN_TOKEN, method, path, body);
    seen.push(res);
    return res;
  }

  async function deploy(compose: string) {
    const rel = await api('POST', '/api/v1/releases', { application: 'web', environment: 'dev', spec: { compose } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await api('POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    const applied = await api('POST', `/api/v1/releases/${rel.body.id}/apply`, { previewToken: p.body.preview.token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    const done = await eventually(
      async () => {
        const r = await api('GET', `/api/v1/releases/${rel.body.id}`);
        return ['succeeded', 'failed', 'interrupted'].includes(r.body.state) ? r.body : null;
      },
      90_000,
      `release ${rel.body.id} to finish`,
    );
    return { id: rel.body.id as string, done };
  }

  beforeAll(async () => {
    await ensureTestImages();
    await removeProject(`${project}-web`).catch(() => undefined);
    srv = await startTestServer({ dialect, drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'missing' }) } });
    const env = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
      name: 'dev',
      runtime: 'compose',
      target: { project },
      applyTimeoutSeconds: 60,
    });
    expect(env.status, JSON.stringify(env.body)).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await removeProject(`${project}-web`).catch(() => undefined);
  });

  it('fails with IMAGE_PULL_FAILED first, says the previous container still runs, and leaves it running', async () => {
    const good = await deploy(web('shipgate-test/app:1'));
    expect(good.done.state, good.done.execution.message).toBe('succeeded');
    const before = await docker(['inspect', container, '--format', '{{.Id}}']);

    const bad = await deploy(web(MISSING));
    expect(bad.done.state, bad.done.execution.message).toBe('failed');
    expect(bad.done.execution.stage).toBe('failed');

    const diagnostics = (await api('GET', `/api/v1/releases/${bad.id}/diagnostics`)).body;
    const [lead] = diagnostics.findings;
    expect(lead).toMatchObject({
      severity: 'error',
      code: 'IMAGE_PULL_FAILED',
      resource: { kind: 'Service', name: 'web' },
      message: `the image ${MISSING} of service web could not be pulled`,
    });
    // What the engine said: no route to the registry, or a registry that knows no such repository.
    expect(lead.evidence).toMatch(/registry|pull access denied|repository does not exist|no such host|not found/i);
    expect(diagnostics.summary.startsWith(lead.message)).toBe(true);

    const stale = diagnostics.findings.find((f: any) => f.code === 'STILL_RUNNING_PREVIOUS_IMAGE');
    expect(stale).toMatchObject({
      severity: 'error',
      resource: { kind: 'Service', name: 'web' },
      message: `web still runs shipgate-test/app:1 — the release asked for ${MISSING}`,
    });
    expect(stale.evidence).toContain(`container ${container}: image=shipgate-test/app:1`);
    expect(stale.evidence).toContain(`release: image=${MISSING} (not on the engine)`);
    // The resource line of the healthy old container does not hide it.
    expect(diagnostics.resources.find((r: any) => r.name === 'web')).toMatchObject({
      ready: false,
      message: `runs the previous image shipgate-test/app:1, not ${MISSING}`,
    });

    const recorded = (await api('GET', `/api/v1/releases/${bad.id}/timeline`)).body.items.find(
      (e: any) => e.type === 'diagnostics.recorded',
    );
    expect(recorded.data.findings[0].code).toBe('IMAGE_PULL_FAILED');

    // The engine still runs the previous release's container, untouched.
    const [id, image, running] = (await docker(['inspect', container, '--format', '{{.Id}} {{.Config.Image}} {{.State.Running}}'])).split(
      ' ',
    );
    expect([id, image, running]).toEqual([before, 'shipgate-test/app:1', 'true']);

    // The command center's answer opens with the same finding.
    const why = await api('POST', '/api/v1/ai/messages', { text: 'why did web fail in dev?' });
    expect(why.status, JSON.stringify(why.body)).toBe(200);
    expect(why.body.reply).toMatch(
      new RegExp(
        `^The image ${MISSING} of service web could not be pulled \\(IMAGE_PULL_FAILED on Service/web\\)\\. ` +
          'web in dev failed \\(release [0-9a-f]{8}\\)\\.',
      ),
    );
    expect(why.body.reply).toContain('STILL_RUNNING_PREVIOUS_IMAGE on Service/web');

    for (const res of seen) expect(JSON.stringify(res.body)).not.toContain(CANARY);
    expect(srv.logs.join('\n')).not.toContain(CANARY);
  }, 180_000);
});
