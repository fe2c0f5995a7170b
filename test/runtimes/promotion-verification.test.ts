import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComposeDriver } from '../../src/adapters/runtimes/compose/compose-driver.js';
import { KubernetesDriver } from '../../src/adapters/runtimes/kubernetes/kubernetes-driver.js';
import { TEST_DOCKER_HOST, docker, ensureTestImages, removeProject } from '../support/docker-fixtures.js';
import { KubeApiSimulator } from '../support/kube-sim/kube-api-simulator.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Promotion and verification against real runtimes: the real Docker engine (Compose) and the Kubernetes API-server
// simulator. A release promoted from staging runs the exact image that ran there (pinned by image id or digest), is
// refused before its soak and accepted after; a release that crashes after its rollout fails verification and is
// rolled back automatically.

const SOAK = 300;

/** Drives one release through preview and apply; resolves with its final state. */
async function previewAndApply(srv: TestServer, id: string) {
  const p = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/preview`);
  expect(p.status, JSON.stringify(p.body)).toBe(201);
  return srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: p.body.preview.token });
}

async function settled(srv: TestServer, id: string) {
  return eventually(async () => {
    const r = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body;
    return ['succeeded', 'failed', 'interrupted'].includes(r.state) ? r : null;
  }, 90_000);
}

async function deploy(srv: TestServer, environment: string, spec: Record<string, string>) {
  const rel = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', { application: 'web', environment, spec });
  expect(rel.status, JSON.stringify(rel.body)).toBe(201);
  const applied = await previewAndApply(srv, rel.body.id);
  expect(applied.status, JSON.stringify(applied.body)).toBe(202);
  return settled(srv, rel.body.id);
}

/** Promotes a release into `environment`; a first apply is refused for the soak, then the clock moves past it. */
async function promoteAfterSoak(srv: TestServer, sourceId: string, environment: string, whileApplying?: (id: string) => Promise<void>) {
  const promoted = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${sourceId}/promote`, { environment });
  expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
  const early = await previewAndApply(srv, promoted.body.id);
  expect([early.status, early.body.code]).toEqual([409, 'PROMOTION_REQUIRED']);
  srv.clock.advance((SOAK + 1) * 1000);
  const applied = await previewAndApply(srv, promoted.body.id);
  expect(applied.status, JSON.stringify(applied.body)).toBe(202);
  await whileApplying?.(promoted.body.id);
  return { release: promoted.body, done: await settled(srv, promoted.body.id) };
}

async function automaticRollbackOf(srv: TestServer, failedId: string) {
  const timeline = async () => (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${failedId}/timeline`)).body.items as any[];
  const requested = await eventually(async () => (await timeline()).find((e) => e.type === 'rollback.requested') ?? null, 30_000);
  expect(requested.actor).toEqual({ type: 'system', id: 'verifier' });
  expect(requested.data.automatic).toBe(true);
  const rollback = await settled(srv, requested.data.rollbackReleaseId);
  return { rollback, failed: (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${failedId}`)).body };
}

describe('promotion and verification on the Docker engine (Compose)', () => {
  let srv: TestServer;
  const spec = (image: string, extra = '') => ({
    compose: `services:\n  web:\n    image: ${image}\n    init: true\n    stop_grace_period: 1s\n${extra}`,
  });

  beforeAll(async () => {
    await ensureTestImages();
    srv = await startTestServer({
      dialect: 'sqlite',
      drivers: { compose: ComposeDriver.create({ dockerHost: TEST_DOCKER_HOST, pull: 'never' }) },
      verifyIntervalMs: 500,
    });
    for (const env of [
      { name: 'stg', runtime: 'compose', target: { project: 'govstg' }, applyTimeoutSeconds: 30 },
      {
        name: 'prd',
        runtime: 'compose',
        target: { project: 'govprd' },
        applyTimeoutSeconds: 30,
        promotion: { from: 'stg', soakSeconds: SOAK },
        verification: { windowSeconds: 10, maxRestarts: 0, autoRollback: true },
      },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await srv?.close();
    await removeProject('govstg-web').catch(() => undefined);
    await removeProject('govprd-web').catch(() => undefined);
  });

  it('promotes the exact image that ran upstream, refused before the soak and accepted after', async () => {
    const source = await deploy(srv, 'stg', spec('shipgate-test/app:1'));
    expect(source.state, source.execution.message).toBe('succeeded');
    const imageId = await docker(['image', 'inspect', '--format', '{{.Id}}', 'shipgate-test/app:1']);
    const { release, done } = await promoteAfterSoak(srv, source.id, 'prd');
    expect(release.provenance.images).toEqual([{ resource: 'web', ref: 'shipgate-test/app:1', pinned: imageId }]);
    expect(done.state, done.execution.message).toBe('succeeded');
    expect(done.execution.message).toMatch(/verification window/);
    const running = await docker(['inspect', '--format', '{{.Image}}', 'govprd-web-web-1']);
    expect(running).toBe(imageId);
  }, 180_000);

  it('fails verification when the container crashes after its rollout, and rolls back by itself', async () => {
    const source = await deploy(srv, 'stg', spec('shipgate-test/app:2', '    restart: always\n'));
    expect(source.state, source.execution.message).toBe('succeeded');
    const { done } = await promoteAfterSoak(srv, source.id, 'prd', async (id) => {
      // Once the rollout passed and verification watches, the main process dies; its restart policy brings it back.
      await eventually(async () =>
        (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body.execution.verifyUntil ? true : null,
      );
      // The engine may be between two states of the container for a moment: try again until the kill lands.
      await eventually(
        async () =>
          docker(['exec', 'govprd-web-web-1', 'kill', '1']).then(
            () => true,
            () => null,
          ),
        10_000,
        'kill',
      );
    });
    expect(done.state).toBe('failed');
    const diagnostics = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${done.id}/diagnostics`)).body;
    expect(diagnostics.findings[0], JSON.stringify(diagnostics)).toMatchObject({ code: 'VERIFICATION_FAILED' });
    const { rollback, failed } = await automaticRollbackOf(srv, done.id);
    expect(rollback.state, rollback.execution.message).toBe('succeeded');
    expect(failed.state).toBe('rolled_back');
    const imageId = await docker(['image', 'inspect', '--format', '{{.Id}}', 'shipgate-test/app:1']);
    expect(await docker(['inspect', '--format', '{{.Image}}', 'govprd-web-web-1'])).toBe(imageId);
  }, 240_000);
});

describe('promotion and verification on Kubernetes (API-server simulator)', () => {
  const sim = new KubeApiSimulator({ tickMs: 100 });
  let srv: TestServer;
  const spec = (image: string) => ({
    manifests:
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: web}\n` +
      `  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n` +
      `        - name: main\n          image: ${image}\n`,
  });

  beforeAll(async () => {
    await sim.start();
    sim.addNamespace('kstg');
    sim.addNamespace('kprd');
    const kc = new KubeConfig();
    kc.loadFromOptions(sim.kubeconfig());
    srv = await startTestServer({ dialect: 'sqlite', drivers: { kubernetes: KubernetesDriver.create({ kubeConfig: kc }) } });
    for (const env of [
      { name: 'kstg', runtime: 'kubernetes', target: { namespace: 'kstg' }, applyTimeoutSeconds: 20 },
      {
        name: 'kprd',
        runtime: 'kubernetes',
        target: { namespace: 'kprd' },
        applyTimeoutSeconds: 20,
        approval: { required: true, rollbackWithoutApproval: true },
        promotion: { from: 'kstg', soakSeconds: SOAK },
        verification: { windowSeconds: 3, maxRestarts: 0, autoRollback: true },
      },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });

  afterAll(async () => {
    await srv?.close();
    await sim.stop();
  });

  /** Promotes, waits out the soak, gets a second person's approval, and applies. */
  async function promoteApproved(sourceId: string) {
    const promoted = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${sourceId}/promote`, { environment: 'kprd' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
    const token = (await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${promoted.body.id}/preview`)).body.preview.token;
    const early = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${promoted.body.id}/submit`, { previewToken: token });
    expect([early.status, early.body.code]).toEqual([409, 'PROMOTION_REQUIRED']);
    srv.clock.advance((SOAK + 1) * 1000);
    const submitted = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${promoted.body.id}/submit`, { previewToken: token });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const approver = await srv.tokenFor('ann', 'approver');
    const decision = await srv.api(approver, 'POST', `/api/v1/approvals/${submitted.body.approval.ticketId}/decision`, {
      decision: 'approve',
    });
    expect(decision.status, JSON.stringify(decision.body)).toBe(200);
    const applied = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${promoted.body.id}/apply`, { previewToken: token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    return { release: promoted.body, done: await settled(srv, promoted.body.id) };
  }

  it('pins the digest the pods ran and applies it once soaked and approved', async () => {
    const source = await deploy(srv, 'kstg', spec('shop/web:1'));
    expect(source.state, source.execution.message).toBe('succeeded');
    const ran = sim.objectsOf('Pod', 'kstg')[0]!['status']['containerStatuses'][0]['imageID'] as string;
    const { release, done } = await promoteApproved(source.id);
    expect(release.provenance.images).toEqual([
      { resource: 'Deployment/web/main', ref: 'shop/web:1', pinned: `shop/web@${ran.split('@')[1]}` },
    ]);
    expect(done.state, done.execution.message).toBe('succeeded');
    const applied = sim.get('Deployment', 'kprd', 'web')!;
    expect(applied['spec']['template']['spec']['containers'][0]['image']).toBe(release.provenance.images[0].pinned);
  }, 60_000);

  it('fails verification when pods start crashing after the rollout, and rolls back without the queue', async () => {
    const source = await deploy(srv, 'kstg', spec('shop/web:flaky'));
    expect(source.state, source.execution.message).toBe('succeeded');
    const { done } = await promoteApproved(source.id);
    expect(done.state).toBe('failed');
    const diagnostics = (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${done.id}/diagnostics`)).body;
    expect(diagnostics.findings[0]).toMatchObject({ code: 'VERIFICATION_FAILED' });
    const { rollback, failed } = await automaticRollbackOf(srv, done.id);
    expect(rollback, JSON.stringify(rollback)).toMatchObject({
      state: 'succeeded',
      kind: 'rollback',
      approval: { status: 'not_required' },
    });
    expect(failed.state).toBe('rolled_back');
  }, 60_000);
});
