import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ScriptedDriver } from '../support/scripted-driver.js';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';

// Promotion, verification after rollout (and the automatic rollback it may ask for) and drift, attacked through the
// public API on both stores by deployers and viewers: every way into a promotion-gated environment other than a
// soaked promotion of what still runs upstream, secrets crossing environments through a promotion, rollbacks that
// restore what never succeeded, settings only admins may change, drift as an oracle, and bad input.

const SOAK = 600;
const STG_PW = 'stg-canary-pw-7c41e2';
const DUPLICATE = 'dup-canary-d3a9f1';
const LITERAL = 'literal-canary-0b8e55';
const DRIFT_PW = 'drift-canary-pw-5e2c';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A Compose file whose port and secret are parameters: the port is written inside a quoted list item. */
const SPEC =
  'services:\n  web:\n    image: shop/web:${TAG}\n    ports:\n      - "${PORT}:80"\n' +
  '    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n';
const PARAMS = { TAG: '1', PORT: '8080', DB_PASSWORD: STG_PW };
const compose = (image: string, extra = '') => `services:\n  web:\n    image: ${image}\n${extra}`;

type Event = { type: string; actor: { type: string; id: string }; data: Record<string, any> };

describe.each(DIALECTS)('governance beyond promotion, verification and drift (%s)', (dialect) => {
  let srv: TestServer;
  const composeDriver = new ScriptedDriver('compose');
  const kubeDriver = new ScriptedDriver('kubernetes');
  let dana: string; // deployer everywhere
  let amy: string; // approver everywhere
  let ria: string; // viewer of staging, deployer of production
  let vic: string; // viewer of staging only
  let stan: string; // deployer of staging only

  async function issue(subject: string, bindings: Array<{ role: string; environments: string[] }>): Promise<string> {
    const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', { subject, bindings });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.token as string;
  }

  beforeAll(async () => {
    srv = await startTestServer({ dialect, drivers: { compose: composeDriver, kubernetes: kubeDriver } });
    const verification = { windowSeconds: 1, maxRestarts: 0, autoRollback: true };
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'gb-stg' } },
      { name: 'qa', runtime: 'compose', target: { project: 'gb-qa' } },
      { name: 'production', runtime: 'compose', target: { project: 'gb-prd' }, promotion: { from: 'staging', soakSeconds: SOAK } },
      {
        name: 'guarded',
        runtime: 'compose',
        target: { project: 'gb-grd' },
        approval: { required: true, rollbackWithoutApproval: true },
        verification,
      },
      { name: 'kstaging', runtime: 'kubernetes', target: { namespace: 'gb-kstg' } },
      { name: 'kproduction', runtime: 'kubernetes', target: { namespace: 'gb-kprd' }, promotion: { from: 'kstaging', soakSeconds: SOAK } },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
    amy = await srv.tokenFor('amy', 'approver');
    vic = await srv.tokenFor('vic', 'viewer', ['staging']);
    stan = await srv.tokenFor('stan', 'deployer', ['staging']);
    ria = await issue('ria', [
      { role: 'viewer', environments: ['staging'] },
      { role: 'deployer', environments: ['production'] },
    ]);
  });

  afterAll(async () => {
    await srv?.close();
  });

  const get = async (id: string) => (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}`)).body;
  const timeline = async (id: string): Promise<Event[]> =>
    (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}/timeline?limit=500`)).body.items;
  const settled = (id: string) =>
    eventually(async () => {
      const r = await get(id);
      return ['succeeded', 'failed', 'interrupted'].includes(r.state) ? r : null;
    }, 20_000);

  async function draft(
    token: string,
    environment: string,
    spec: string,
    parameters: Record<string, string> = {},
    application = 'web',
    runtime: 'compose' | 'manifests' = 'compose',
  ): Promise<string> {
    const res = await srv.api(token, 'POST', '/api/v1/releases', {
      application,
      environment,
      spec: runtime === 'compose' ? { compose: spec } : { manifests: spec },
      parameters,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async function previewToken(id: string, token = dana): Promise<string> {
    const res = await srv.api(token, 'POST', `/api/v1/releases/${id}/preview`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.preview.token as string;
  }

  /** Previews and applies (approving first where the environment asks for it); the apply's answer. */
  async function apply(id: string, token = dana): Promise<ApiResponse> {
    const proof = { previewToken: await previewToken(id, token) };
    const release = await get(id);
    if (release.approval.status !== 'not_required') {
      const submitted = await srv.api(token, 'POST', `/api/v1/releases/${id}/submit`, proof);
      if (submitted.status !== 200) return submitted;
      const decided = await srv.api(amy, 'POST', `/api/v1/approvals/${submitted.body.approval.ticketId}/decision`, {
        decision: 'approve',
        comment: 'ok',
      });
      expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    }
    return srv.api(token, 'POST', `/api/v1/releases/${id}/apply`, proof);
  }

  /** Drafts and runs a release to its end; resolves with its id once it settled in `state`. */
  async function deploy(
    environment: string,
    spec: string,
    parameters: Record<string, string> = {},
    application = 'web',
    state = 'succeeded',
  ): Promise<string> {
    const id = await draft(dana, environment, spec, parameters, application, environment.startsWith('k') ? 'manifests' : 'compose');
    const res = await apply(id);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await settled(id)).state).toBe(state);
    return id;
  }

  async function promote(source: string, environment: string, token = dana, parameters?: Record<string, string>): Promise<ApiResponse> {
    return srv.api(token, 'POST', `/api/v1/releases/${source}/promote`, { environment, ...(parameters ? { parameters } : {}) });
  }

  /** Submit and apply both refuse the release with PROMOTION_REQUIRED, and nothing reaches the runtime. */
  async function expectGated(id: string, driver = composeDriver): Promise<void> {
    const token = await previewToken(id);
    for (const step of ['submit', 'apply']) {
      const res = await srv.api(dana, 'POST', `/api/v1/releases/${id}/${step}`, { previewToken: token });
      expect([res.status, res.body.code], `${step} ${id}: ${JSON.stringify(res.body)}`).toEqual([409, 'PROMOTION_REQUIRED']);
    }
    expect(driver.applyCalls).not.toContain(id);
  }

  /** Every answer is an RFC 9457 problem with a stable code, never a 500. */
  function expectProblem(res: ApiResponse, status: number, code: string, what: string): void {
    expect([res.status, res.body?.code], `${what}: ${JSON.stringify(res.body)}`).toEqual([status, code]);
    expect(res.headers.get('content-type'), what).toContain('application/problem+json');
  }

  describe('promotion gate', () => {
    it('refuses every release that is not a soaked promotion from the rule’s source', async () => {
      const source = await deploy('staging', SPEC, PARAMS);
      const promoted = await promote(source, 'production');
      expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
      const qaSource = await deploy('qa', SPEC, { ...PARAMS, TAG: '1-qa' });
      const fromQa = await promote(qaSource, 'production');
      expect(fromQa.status, JSON.stringify(fromQa.body)).toBe(201);
      const copy = async (fromReleaseId: string) => {
        const res = await srv.api(dana, 'POST', '/api/v1/releases', { application: 'web', environment: 'production', fromReleaseId });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        expect(res.body.provenance).toBeNull();
        return res.body.id as string;
      };
      srv.clock.advance((SOAK + 1) * 1000);
      const hostile = {
        // A plain release with the very spec and parameters that ran upstream.
        plain: await draft(dana, 'production', SPEC, PARAMS),
        // Copies do not carry a provenance: neither of the promotion, nor of the upstream release.
        copyOfPromotion: await copy(promoted.body.id),
        copyOfSource: await copy(source),
        // A promotion, but from an environment that is not the rule's `from`.
        fromQa: fromQa.body.id as string,
      };
      for (const [what, id] of Object.entries(hostile)) {
        await expectGated(id);
        expect((await get(id)).state, what).toBe('previewed');
      }
    });

    it('refuses a promotion whose parameters smuggle another image in; its spec cannot be edited at all', async () => {
      const source = await deploy('staging', SPEC, { ...PARAMS, TAG: '2' });
      const promoted = (await promote(source, 'production')).body;
      const editSpec = await srv.api(dana, 'PATCH', `/api/v1/releases/${promoted.id}`, { spec: { compose: compose('evil/miner:1') } });
      expectProblem(editSpec, 400, 'VALIDATION_FAILED', 'spec edit');
      // Parameters are substituted as text: a port that closes its quote writes YAML of its own.
      const overridesImage = await srv.api(dana, 'PATCH', `/api/v1/releases/${promoted.id}`, {
        parameters: { ...PARAMS, TAG: '2', PORT: '8080:80"\n    image: "evil/miner:1' },
      });
      expectProblem(overridesImage, 400, 'VALIDATION_FAILED', 'a second image key');
      expect(overridesImage.body.detail).not.toContain('unknown parameter');
      srv.clock.advance((SOAK + 1) * 1000);
      // A second service: the image it runs is upstream's by tag, by a digest that never ran, or anything else.
      for (const image of ['evil/miner:latest', 'shop/web:2', `shop/web@${DIGEST}`, '"shop/web:2"']) {
        const smuggled = `8080:80"\n  sidecar:\n    image: ${image}\n    labels:\n      - "pad`;
        const edited = await srv.api(dana, 'PATCH', `/api/v1/releases/${promoted.id}`, {
          parameters: { ...PARAMS, TAG: '2', PORT: smuggled },
        });
        expect(edited.status, JSON.stringify(edited.body)).toBe(200);
        await expectGated(promoted.id);
        const res = await srv.api(dana, 'POST', `/api/v1/releases/${promoted.id}/apply`, { previewToken: await previewToken(promoted.id) });
        expect(res.body.detail, smuggled).toContain('the image of sidecar is not the one that ran');
      }
    });

    it('refuses a promotion once its source no longer runs upstream: rolled back, or replaced by any later success', async () => {
      // Rolled back upstream after the promotion was drafted (and after its soak).
      await deploy('staging', SPEC, { ...PARAMS, TAG: '3-base' }, 'cart');
      const source = await deploy('staging', SPEC, { ...PARAMS, TAG: '3' }, 'cart');
      const promoted = (await promote(source, 'production')).body;
      srv.clock.advance((SOAK + 1) * 1000);
      const rollback = await srv.api(dana, 'POST', `/api/v1/releases/${source}/rollback`, {});
      expect(rollback.status, JSON.stringify(rollback.body)).toBe(201);
      expect((await apply(rollback.body.id)).status).toBe(202);
      expect((await settled(rollback.body.id)).state).toBe('succeeded');
      expect((await get(source)).state).toBe('rolled_back');
      await expectGated(promoted.id);
      const again = await promote(source, 'production');
      expectProblem(again, 409, 'INVALID_STATE', 'promoting a rolled-back release');

      // Replaced upstream by an older draft applied after it: the newest release by creation is no longer what runs.
      const older = await draft(dana, 'staging', SPEC, { ...PARAMS, TAG: 'reviewed' }, 'cart');
      const unsoaked = await draft(dana, 'staging', SPEC, { ...PARAMS, TAG: 'unsoaked' }, 'cart');
      expect((await apply(unsoaked)).status).toBe(202);
      expect((await settled(unsoaked)).state).toBe('succeeded');
      const replaced = (await promote(unsoaked, 'production')).body;
      expect((await apply(older)).status).toBe(202);
      expect((await settled(older)).state).toBe('succeeded');
      // The unsoaked release ran upstream for an instant; time passes while the older one runs there.
      srv.clock.advance((SOAK + 1) * 1000);
      await expectGated(replaced.id);
      const res = await srv.api(dana, 'POST', `/api/v1/releases/${replaced.id}/apply`, { previewToken: await previewToken(replaced.id) });
      expect(res.body.detail).toContain('no longer the current release');
      // The older release that does run upstream is promotable.
      const current = (await promote(older, 'production')).body;
      srv.clock.advance((SOAK + 1) * 1000);
      expect((await apply(current.id)).status).toBe(202);
      expect((await settled(current.id)).state).toBe('succeeded');
    });

    it('pins or refuses every image a Kubernetes promotion runs, wherever a custom resource keeps it', async () => {
      const deployment = (image: string) =>
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n' +
        `      containers:\n        - name: web\n          image: ${image}\n`;
      const deep = (image: string) => {
        let node = `{template: {spec: {containers: [{name: deep, image: "${image}"}]}}}`;
        for (let i = 0; i < 14; i++) node = `{level${i}: ${node}}`;
        return `apiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: deep}\nspec: ${node}\n`;
      };
      const hiding = {
        // Argo's singular `container`, Tekton's `steps`, and a pod template nested deeper than a walker looks.
        argo:
          'apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: nightly}\nspec:\n  templates:\n' +
          '    - name: main\n      container:\n        image: shop/tool:${TOOL}\n',
        tekton:
          'apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: build}\nspec:\n  steps:\n' +
          '    - name: run\n      image: shop/tool:${TOOL}\n',
        deep: deep('shop/tool:${TOOL}'),
      };
      for (const [what, extra] of Object.entries(hiding)) {
        const manifests = `${deployment(`shop/web@${DIGEST}`)}---\n${extra}`;
        const source = await deploy('kstaging', manifests, { TOOL: '1.0' }, `k-${what}`);
        const promoted = await promote(source, 'kproduction');
        if (promoted.status === 201) {
          // Were it drafted, the image the custom resource runs would still follow a parameter.
          const edited = await srv.api(dana, 'PATCH', `/api/v1/releases/${promoted.body.id}`, { parameters: { TOOL: 'evil' } });
          expect(edited.status).toBe(200);
          srv.clock.advance((SOAK + 1) * 1000);
          await expectGated(promoted.body.id, kubeDriver);
        } else {
          expectProblem(promoted, 409, 'INVALID_STATE', what);
          expect(promoted.body.detail, what).toContain('was not recorded');
        }
      }
      // The same custom resources with images pinned by digest are promoted, and pass the gate as they ran.
      const pinned = `${deployment(`shop/web@${DIGEST}`)}---\n${hiding.argo.replace('shop/tool:${TOOL}', `shop/tool@${DIGEST}`)}`;
      const source = await deploy('kstaging', pinned, {}, 'k-pinned');
      const promoted = await promote(source, 'kproduction');
      expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
      srv.clock.advance((SOAK + 1) * 1000);
      expect((await apply(promoted.body.id)).status).toBe(202);
      expect((await settled(promoted.body.id)).state).toBe('succeeded');
    });

    it('answers a spec whose images sit behind YAML aliases or beside empty documents with a problem, never a 500', async () => {
      const specs = {
        serviceAlias: 'x-web: &web\n  image: shop/web:${TAG}\nservices:\n  web: *web\n',
        servicesAlias: 'x-services: &all\n  web:\n    image: shop/web:${TAG}\nservices: *all\n',
        emptyDocument: '--- ~\n---\nservices:\n  web:\n    image: shop/web:${TAG}\n',
      };
      for (const [what, spec] of Object.entries(specs)) {
        const source = await deploy('staging', spec, { TAG: '5' }, `alias-${what.toLowerCase()}`);
        const res = await promote(source, 'production');
        if (what === 'emptyDocument') {
          // Pinned where the image really is.
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          const stored = await srv.store.releases.get(res.body.id);
          expect(stored?.renderedSpec).toContain(`image: ${res.body.provenance.images[0].pinned}`);
          expect(stored?.renderedSpec).not.toContain('shop/web:5');
        } else {
          // A service written once and reused by an alias has no place of its own to pin.
          expectProblem(res, 409, 'INVALID_STATE', what);
          expect(res.body.detail, what).toContain('cannot be pinned');
        }
      }
    });
  });

  describe('secrets through promotion', () => {
    it('never hands a viewer of the source a secret, whatever name it hides under', async () => {
      const cases = {
        // A secret parameter: left behind; the caller gives production's own.
        parameter: { spec: SPEC, parameters: PARAMS, refused: false },
        // A secret written into the spec itself.
        literal: {
          spec: compose('shop/web:${TAG}', `    environment:\n      API_TOKEN: ${LITERAL}\n`),
          parameters: { TAG: '1' },
          refused: true,
        },
        // The value of a secret parameter written again, literally, under a name that does not look secret.
        duplicate: {
          spec: compose(
            'shop/web:${TAG}',
            `    command: ["serve", "--mirror", "${DUPLICATE}"]\n    environment:\n      DB_PASSWORD: \${DB_PASSWORD}\n`,
          ),
          parameters: { TAG: '1', DB_PASSWORD: DUPLICATE },
          refused: true,
        },
      };
      const seen: ApiResponse[] = [];
      for (const [what, c] of Object.entries(cases)) {
        const source = await deploy('staging', c.spec, c.parameters, `sec-${what}`);
        const byRia = await promote(source, 'production', ria, { DB_PASSWORD: 'prod-own-pw-1234' });
        const copied = await srv.api(ria, 'POST', '/api/v1/releases', {
          application: `sec-${what}`,
          environment: 'production',
          fromReleaseId: source,
          parameters: { DB_PASSWORD: 'prod-own-pw-1234' },
        });
        seen.push(byRia, copied);
        for (const res of [byRia, copied]) {
          if (c.refused) {
            expectProblem(res, 403, 'FORBIDDEN', what);
            continue;
          }
          expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(201);
          const p = await srv.api(ria, 'POST', `/api/v1/releases/${res.body.id}/preview`);
          expect(p.status).toBe(201);
          seen.push(p, await srv.api(ria, 'GET', `/api/v1/releases/${res.body.id}`));
          seen.push(await srv.api(ria, 'GET', `/api/v1/releases/${res.body.id}/timeline`));
          const stored = await srv.store.releases.get(res.body.id);
          expect(stored?.renderedSpec).not.toContain(STG_PW);
        }
        // A caller who may deploy upstream as well takes the release with its secrets.
        expect((await promote(source, 'production', dana)).status, what).toBe(201);
      }
      const text = JSON.stringify(seen.map((r) => r.body));
      for (const secret of [STG_PW, LITERAL, DUPLICATE]) expect(text).not.toContain(secret);
    });

    it('tells a caller nothing of an environment or release it may not read through promote', async () => {
      const source = await deploy('staging', SPEC, { ...PARAMS, TAG: '6' }, 'oracle');
      const qaSource = await deploy('qa', SPEC, { ...PARAMS, TAG: '6' }, 'oracle');
      const same = (a: ApiResponse, b: ApiResponse, what: string) => {
        expectProblem(a, 403, 'FORBIDDEN', what);
        expect([b.status, b.body.code, b.body.detail], what).toEqual([a.status, a.body.code, a.body.detail]);
        for (const name of ['production', 'ghost', 'qa']) expect(JSON.stringify(a.body), what).not.toContain(`"${name}"`);
      };
      // Target: an environment that exists but cannot be written, and one that does not exist.
      same(await promote(source, 'production', vic), await promote(source, 'ghost', vic), 'viewer, target');
      same(await promote(source, 'production', stan), await promote(source, 'ghost', stan), 'deployer of staging, target');
      // Source: a release of an environment the caller cannot read, and an id that names nothing.
      const nothing = '01900000-0000-7000-8000-000000000000';
      same(await promote(qaSource, 'production', ria), await promote(nothing, 'production', ria), 'source');
      same(await promote(qaSource, 'ghost', ria), await promote(nothing, 'ghost', ria), 'both');
      // Nothing of it reached the timelines.
      const types = (await timeline(qaSource)).map((e) => e.type);
      expect(types).not.toContain('release.promoted');
    });
  });

  describe('rollbacks and the automatic rollback', () => {
    it('restores only a release that succeeded in the same environment and application', async () => {
      const good = await deploy('guarded', compose('web:good'), {}, 'rb');
      const bad = await deploy('guarded', compose('web:flaky'), {}, 'rb', 'failed');
      // The verifier rolls the failed release back without the queue; the failed release is then `rolled_back`.
      const requested = await eventually(async () => (await timeline(bad)).find((e) => e.type === 'rollback.requested') ?? null);
      expect(requested.actor).toEqual({ type: 'system', id: 'verifier' });
      const automatic = await settled(requested.data.rollbackReleaseId);
      expect(automatic).toMatchObject({ kind: 'rollback', state: 'succeeded', rollbackTo: good, createdBy: 'verifier' });
      expect((await get(bad)).state).toBe('rolled_back');

      const other = await deploy('guarded', compose('api:good'), {}, 'rb-other');
      const elsewhere = await deploy('staging', compose('web:good'), {}, 'rb');
      const drafted = await draft(dana, 'guarded', compose('web:unreviewed'), {}, 'rb');
      const cancelled = await draft(dana, 'guarded', compose('web:cancelled'), {}, 'rb');
      expect((await srv.api(dana, 'POST', `/api/v1/releases/${cancelled}/cancel`)).status).toBe(200);
      const failed = await deploy('guarded', compose('web:fail'), {}, 'rb', 'failed');
      const targets: Array<[string, string, number, string]> = [
        ['another application', other, 400, 'VALIDATION_FAILED'],
        ['another environment', elsewhere, 400, 'VALIDATION_FAILED'],
        ['a draft', drafted, 409, 'INVALID_STATE'],
        ['a cancelled release', cancelled, 409, 'INVALID_STATE'],
        ['a failed release', failed, 409, 'INVALID_STATE'],
        // It ran, it failed, it was rolled back: it never succeeded, and a rollback skips the approval queue here.
        ['a failed release since rolled back', bad, 409, 'INVALID_STATE'],
      ];
      for (const [what, toReleaseId, status, code] of targets) {
        const res = await srv.api(dana, 'POST', `/api/v1/releases/${automatic.id}/rollback`, { toReleaseId });
        expectProblem(res, status, code, what);
      }
      // A rollback cannot be given a spec, nor have its spec or parameters changed.
      const withSpec = await srv.api(dana, 'POST', `/api/v1/releases/${automatic.id}/rollback`, {
        toReleaseId: good,
        spec: { compose: compose('x') },
      });
      expectProblem(withSpec, 400, 'VALIDATION_FAILED', 'rollback with a spec');
      const manual = await srv.api(dana, 'POST', `/api/v1/releases/${automatic.id}/rollback`, { toReleaseId: good });
      expect(manual.status, JSON.stringify(manual.body)).toBe(201);
      for (const patch of [{ spec: { compose: compose('evil:1') } }, { parameters: { TAG: 'evil' } }]) {
        expectProblem(await srv.api(dana, 'PATCH', `/api/v1/releases/${manual.body.id}`, patch), 400, 'VALIDATION_FAILED', 'rollback edit');
      }
      expect((await srv.api(dana, 'POST', `/api/v1/releases/${manual.body.id}/cancel`)).status).toBe(200);
    });

    it('lets the verifier do no more than a deployer of that environment: the policy still holds its rollback', async () => {
      const good = await deploy('guarded', compose('web:good'), {}, 'rbp');
      const rule = { id: 'no-good', severity: 'deny', message: 'web:good is withdrawn', expression: '!images.exists(i, i == "web:good")' };
      const patched = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/guarded', { policy: { rules: [rule] } });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      try {
        const bad = await deploy('guarded', compose('web:flaky'), {}, 'rbp', 'failed');
        const requested = await eventually(async () => (await timeline(bad)).find((e) => e.type === 'rollback.requested') ?? null);
        expect(requested.data).toMatchObject({ automatic: true, rollbackTo: good });
        const rollbackId = requested.data.rollbackReleaseId as string;
        const rejected = await eventually(async () => (await timeline(rollbackId)).find((e) => e.type === 'apply.rejected') ?? null);
        expect(rejected.actor).toEqual({ type: 'system', id: 'verifier' });
        expect(rejected.data).toMatchObject({ code: 'POLICY_DENIED' });
        expect((await get(rollbackId)).state).toBe('previewed');
        expect(composeDriver.applyCalls).not.toContain(rollbackId);
      } finally {
        await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/guarded', { policy: { rules: [] } });
      }
    });
  });

  describe('environment settings', () => {
    it('lets only an admin of every environment set or lift promotion, verification and rollback rules', async () => {
      const tokens = {
        viewer: await srv.tokenFor('val', 'viewer'),
        deployer: dana,
        approver: amy,
        adminOfProduction: await issue('ada', [{ role: 'admin', environments: ['production', 'guarded'] }]),
      };
      const before = {
        production: (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).body,
        guarded: (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/guarded')).body,
      };
      const attempts: Array<[string, string, unknown]> = [
        ['PATCH', '/api/v1/environments/production', { promotion: null }],
        ['PATCH', '/api/v1/environments/production', { promotion: { from: 'qa', soakSeconds: 0 } }],
        ['PATCH', '/api/v1/environments/production', { verification: { windowSeconds: 1, httpProbe: { url: 'http://127.0.0.1:1/' } } }],
        ['PATCH', '/api/v1/environments/guarded', { approval: { required: false } }],
        ['PATCH', '/api/v1/environments/guarded', { verification: null }],
        ['PATCH', '/api/v1/environments/guarded', { approval: { rollbackWithoutApproval: true }, verification: { autoRollback: true } }],
        ['POST', '/api/v1/environments', { name: 'shadow', runtime: 'compose', target: { project: 'gb-shadow' }, promotion: null }],
      ];
      for (const [role, token] of Object.entries(tokens)) {
        for (const [method, path, body] of attempts) {
          expectProblem(await srv.api(token, method, path, body), 403, 'FORBIDDEN', `${role} ${method} ${path} ${JSON.stringify(body)}`);
        }
      }
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/production')).body).toEqual(before.production);
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/guarded')).body).toEqual(before.guarded);
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/shadow')).status).toBe(404);
    });

    it('refuses a probe URL that carries credentials, however it is spelled', async () => {
      for (const url of [
        'http://user:pw@127.0.0.1:8080/healthz',
        'http://user@127.0.0.1/healthz',
        'http://:pw@127.0.0.1/healthz',
        'https://ci%40corp:p%3Ass@probe.internal/healthz',
        'http://user:pw\t@127.0.0.1/healthz',
        'http://u:p@[::1]:9/healthz',
        'HTTP://u:p@127.0.0.1/',
        'ftp://127.0.0.1/healthz',
        'file:///etc/passwd',
        'javascript:alert(1)',
        'http://',
        ' http://127.0.0.1/',
      ]) {
        const patch = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/qa', { verification: { httpProbe: { url } } });
        expectProblem(patch, 400, 'VALIDATION_FAILED', url);
        const create = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
          name: 'probe-env',
          runtime: 'compose',
          target: { project: 'gb-probe' },
          verification: { httpProbe: { url } },
        });
        expectProblem(create, 400, 'VALIDATION_FAILED', url);
        expect(JSON.stringify([patch.body, create.body]), url).not.toMatch(/pw|p%3Ass/);
      }
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/qa')).body.verification).toBeNull();
    });
  });

  describe('drift', () => {
    it('is no oracle: a caller without read learns the same 403 for an environment that exists and one that does not', async () => {
      const same = (a: ApiResponse, b: ApiResponse, what: string) => {
        expectProblem(a, 403, 'FORBIDDEN', what);
        expect([b.status, b.body.code, b.body.detail], what).toEqual([a.status, a.body.code, a.body.detail]);
        expect(JSON.stringify(a.body), what).not.toMatch(/production|ghost/);
      };
      for (const token of [vic, stan]) {
        same(
          await srv.api(token, 'GET', '/api/v1/environments/production/drift'),
          await srv.api(token, 'GET', '/api/v1/environments/ghost/drift'),
          'read',
        );
        same(
          await srv.api(token, 'POST', '/api/v1/environments/production/drift/check'),
          await srv.api(token, 'POST', '/api/v1/environments/ghost/drift/check'),
          'check',
        );
      }
      // A viewer reads drift but may not drive the runtime to check it.
      const before = composeDriver.previewCalls;
      expectProblem(await srv.api(vic, 'POST', '/api/v1/environments/staging/drift/check'), 403, 'FORBIDDEN', 'viewer check');
      expect(composeDriver.previewCalls).toBe(before);
      for (const name of ['Staging', 'staging%2F..%2Fproduction', 'a'.repeat(64), '%00']) {
        const res = await srv.api(vic, 'GET', `/api/v1/environments/${name}/drift`);
        expect(res.status, name).toBeGreaterThanOrEqual(400);
        expect(res.status, name).toBeLessThan(500);
        expect(res.headers.get('content-type'), name).toContain('application/problem+json');
      }
    });

    it('shows no secret in the drift it answers or tells on a timeline', async () => {
      const spec = compose(
        'web:1',
        '    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n      MIRROR: ${DB_PASSWORD}\n      DSN: pg://app:${DB_PASSWORD}@db/app\n',
      );
      const id = await deploy('staging', spec, { DB_PASSWORD: DRIFT_PW }, 'drift-sec');
      composeDriver.tamper('staging', 'drift-sec');
      const drifted = await srv.api(dana, 'POST', '/api/v1/environments/staging/drift/check');
      expect(drifted.status).toBe(200);
      composeDriver.remove('staging', 'drift-sec', 'web');
      const missing = await srv.api(dana, 'POST', '/api/v1/environments/staging/drift/check');
      const item = missing.body.items.find((i: { application: string }) => i.application === 'drift-sec');
      expect(item).toMatchObject({ releaseId: id, status: 'drifted' });
      expect(JSON.stringify(item.changes)).toContain('MIRROR');
      const read = await srv.api(vic, 'GET', '/api/v1/environments/staging/drift');
      const events = (await timeline(id)).filter((e) => e.type === 'drift.detected');
      expect(events.length).toBeGreaterThan(0);
      const text = JSON.stringify([drifted.body, missing.body, read.body, events]);
      expect(text).not.toContain(DRIFT_PW);
      expect(text).not.toContain(DRIFT_PW.slice(0, 12));
      composeDriver.untamper('staging', 'drift-sec');
    });
  });

  describe('bad input', () => {
    it('answers every hostile promote body with a problem, never a 500', async () => {
      const source = await deploy('staging', SPEC, { ...PARAMS, TAG: '7' }, 'fuzz');
      const bodies: unknown[] = [
        {},
        [],
        null,
        'production',
        42,
        { environment: 42 },
        { environment: null },
        { environment: ['production'] },
        { environment: { name: 'production' } },
        { environment: '' },
        { environment: 'x'.repeat(64) },
        { environment: 'x'.repeat(100_000) },
        { environment: 'production', parameters: [] },
        { environment: 'production', parameters: 'TAG=1' },
        { environment: 'production', parameters: { TAG: 1 } },
        { environment: 'production', parameters: { TAG: null } },
        { environment: 'production', parameters: { TAG: { nested: 'x' } } },
        { environment: 'production', parameters: { '': 'x' } },
        { environment: 'production', parameters: { ['A'.repeat(10_000)]: 'x' } },
        { environment: 'production', parameters: { TAG: 'x'.repeat(1_000_000) } },
        { environment: 'production', description: 7 },
        { environment: 'production', description: 'd'.repeat(2_001) },
        { environment: 'production', channel: 'ai' },
        { environment: 'production', provenance: { releaseId: source, environment: 'staging' } },
        { environment: 'production', promotedFrom: source },
        { environment: 'production', kind: 'rollback' },
        { environment: 'kproduction' },
        { environment: 'staging' },
        { environment: 'production', parameters: { TAG: '${TAG}' } },
        { environment: 'production', parameters: { PORT: '"\n\t- [' } },
      ];
      for (const body of bodies) {
        const res = await srv.api(dana, 'POST', `/api/v1/releases/${source}/promote`, body);
        const what = JSON.stringify(body)?.slice(0, 120) ?? String(body);
        if (res.status === 201) continue;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        expect(res.status, what).toBeLessThan(500);
        expect(res.headers.get('content-type'), what).toContain('application/problem+json');
        expect(res.body.code, what).toMatch(/^[A-Z_]+$/);
      }
      for (const raw of [
        '{',
        '{"environment":"production"',
        '\u0000',
        '{"environment":"production","environment":"qa"}',
        '{"environment":"production","parameters":{"__proto__":{"TAG":"x"}}}',
        '{"environment":"production","parameters":{"constructor":{"prototype":{"x":"y"}}}}',
      ]) {
        const res = await srv.api(dana, 'POST', `/api/v1/releases/${source}/promote`, raw);
        expect(res.status, raw).toBeLessThan(500);
      }
      for (const id of ['not-a-uuid', '..%2Fx', '0'.repeat(36), `${source}x`]) {
        const res = await srv.api(dana, 'POST', `/api/v1/releases/${id}/promote`, { environment: 'production' });
        expect(res.status, id).toBeGreaterThanOrEqual(400);
        expect(res.status, id).toBeLessThan(500);
      }
    });

    it('answers hostile promotion and verification settings with VALIDATION_FAILED naming the field', async () => {
      const hostile: Array<[string, unknown]> = [
        ['promotion', { from: 'staging', soakSeconds: -1 }],
        ['promotion', { from: 'staging', soakSeconds: 1e20 }],
        ['promotion', { from: 'staging', soakSeconds: 2_592_001 }],
        ['promotion', { from: 'staging', soakSeconds: 1.5 }],
        ['promotion', { from: 'staging' }],
        ['promotion', { soakSeconds: 60 }],
        ['promotion', { from: '', soakSeconds: 60 }],
        ['promotion', { from: 'STAGING', soakSeconds: 60 }],
        ['promotion', { from: '../staging', soakSeconds: 60 }],
        ['promotion', { from: 'x'.repeat(64), soakSeconds: 60 }],
        ['promotion', { from: 'staging', soakSeconds: 60, extra: true }],
        ['promotion', 'staging'],
        ['promotion', []],
        // Itself, an environment that does not exist, another runtime.
        ['promotion', { from: 'qa', soakSeconds: 60, self: true }],
        ['promotion', { from: 'nowhere', soakSeconds: 60 }],
        ['promotion', { from: 'kstaging', soakSeconds: 60 }],
        ['verification', { windowSeconds: 0 }],
        ['verification', { windowSeconds: -5 }],
        ['verification', { windowSeconds: 3_601 }],
        ['verification', { windowSeconds: 1e308 }],
        ['verification', { windowSeconds: 'forever' }],
        ['verification', { maxRestarts: -1 }],
        ['verification', { maxRestarts: 1_001 }],
        ['verification', { maxRestarts: 0.5 }],
        ['verification', { autoRollback: 'yes' }],
        ['verification', { httpProbe: { url: 'http://127.0.0.1/', expectStatus: 99 } }],
        ['verification', { httpProbe: { url: 'http://127.0.0.1/', expectStatus: 600 } }],
        ['verification', { httpProbe: { url: 'x'.repeat(2_049) } }],
        ['verification', { httpProbe: { expectStatus: 200 } }],
        ['verification', { httpProbe: 'http://127.0.0.1/' }],
        ['verification', { unknown: 1 }],
        ['verification', 'on'],
        ['approval', { rollbackWithoutApproval: 'sometimes' }],
      ];
      const before = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/qa')).body;
      for (const [field, raw] of hostile) {
        const self = field === 'promotion' && typeof raw === 'object' && raw !== null && 'self' in raw;
        const value = self ? { from: 'qa', soakSeconds: 60 } : raw;
        const what = `${field}: ${JSON.stringify(raw).slice(0, 80)}`;
        const patch = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/qa', { [field]: value });
        expectProblem(patch, 400, 'VALIDATION_FAILED', `PATCH ${what}`);
        expect(JSON.stringify(patch.body.errors ?? patch.body.detail), what).toContain(field);
        const create = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
          name: 'fuzz-env',
          runtime: 'compose',
          target: { project: 'gb-fuzz' },
          [field]: self ? { from: 'fuzz-env', soakSeconds: 60 } : value,
        });
        expectProblem(create, 400, 'VALIDATION_FAILED', `POST ${what}`);
      }
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/qa')).body).toEqual(before);
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/fuzz-env')).status).toBe(404);
    });

    it('refuses promotion rules that would run in a circle, however long', async () => {
      const chain = ['ring-a', 'ring-b', 'ring-c'];
      for (const [i, name] of chain.entries()) {
        const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
          name,
          runtime: 'compose',
          target: { project: `gb-${name}` },
          ...(i > 0 ? { promotion: { from: chain[i - 1], soakSeconds: 0 } } : {}),
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      for (const from of ['ring-c', 'ring-b', 'ring-a']) {
        const res = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/ring-a', { promotion: { from, soakSeconds: 0 } });
        expectProblem(res, 400, 'VALIDATION_FAILED', from);
      }
      expect((await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/environments/ring-a')).body.promotion).toBeNull();
    });
  });
});
