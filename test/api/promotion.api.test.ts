import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Promotion through the API on both stores: a succeeded staging release promoted into production with its images
// pinned to what ran, refused before its soak and accepted after, and production refusing anything that is not such
// a promotion.

const SOAK = 600;
const SPEC =
  'services:\n  web:\n    image: shop/web:${TAG}\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n' +
  '  worker:\n    image: shop/worker:2\n';

describe.each(DIALECTS)('promotion (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    for (const env of [
      { name: 'staging', runtime: 'compose', target: { project: 'promo-stg' } },
      { name: 'production', runtime: 'compose', target: { project: 'promo-prd' }, promotion: { from: 'staging', soakSeconds: SOAK } },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
  });

  afterAll(async () => {
    await srv?.close();
  });

  async function previewed(id: string, token = dana) {
    const p = await srv.api(token, 'POST', `/api/v1/releases/${id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    return p.body.preview.token as string;
  }

  async function applied(id: string, token = dana) {
    const res = await srv.api(token, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: await previewed(id, token) });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return eventually(async () => {
      const r = await srv.api(token, 'GET', `/api/v1/releases/${id}`);
      return r.body.state === 'succeeded' || r.body.state === 'failed' ? r.body : null;
    });
  }

  async function deployStaging(tag: string) {
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: SPEC },
      parameters: { TAG: tag, DB_PASSWORD: 's3cret-stg-pw' },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    expect((await applied(rel.body.id)).state).toBe('succeeded');
    return rel.body.id as string;
  }

  it('refuses a production release that is not a promotion, at submit and at apply', async () => {
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      spec: { compose: SPEC },
      parameters: { TAG: '1', DB_PASSWORD: 'x-prod-pw-1234' },
    });
    expect(rel.status).toBe(201);
    const token = await previewed(rel.body.id);
    for (const step of ['submit', 'apply']) {
      const res = await srv.api(dana, 'POST', `/api/v1/releases/${rel.body.id}/${step}`, { previewToken: token });
      expect([res.status, res.body.code], JSON.stringify(res.body)).toEqual([409, 'PROMOTION_REQUIRED']);
      expect(res.body.detail).toContain('promotions from "staging"');
    }
    const events = (await srv.api(dana, 'GET', `/api/v1/releases/${rel.body.id}/timeline`)).body.items;
    expect(events.find((e: { type: string }) => e.type === 'apply.rejected')?.data).toMatchObject({ code: 'PROMOTION_REQUIRED' });
  });

  it('promotes with images pinned to what ran, refuses before the soak and accepts after', async () => {
    const source = await deployStaging('1.4');
    const promoted = await srv.api(dana, 'POST', `/api/v1/releases/${source}/promote`, { environment: 'production' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
    const release = promoted.body;
    expect(release).toMatchObject({ environment: 'production', application: 'web', state: 'draft', promotedFrom: source });
    expect(release.provenance).toMatchObject({ releaseId: source, environment: 'staging' });
    const images = release.provenance.images as Array<{ resource: string; ref: string; pinned: string }>;
    expect(images.map((i) => [i.resource, i.ref])).toEqual([
      ['web', 'shop/web:1.4'],
      ['worker', 'shop/worker:2'],
    ]);
    for (const image of images) expect(image.pinned).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The parameters carried over (the secret masked), and the spec pins the images that ran.
    expect(release.parameters).toEqual({ TAG: '1.4', DB_PASSWORD: '********' });
    const stored = await srv.store.releases.get(release.id);
    expect(stored?.renderedSpec).toContain(`image: ${images[0]!.pinned}`);
    expect(stored?.renderedSpec).not.toContain('shop/web:1.4');

    for (const id of [source, release.id]) {
      const events = (await srv.api(dana, 'GET', `/api/v1/releases/${id}/timeline`)).body.items;
      expect(
        events.some((e: { type: string }) => e.type === 'release.promoted'),
        id,
      ).toBe(true);
    }

    const early = await srv.api(dana, 'POST', `/api/v1/releases/${release.id}/apply`, { previewToken: await previewed(release.id) });
    expect([early.status, early.body.code]).toEqual([409, 'PROMOTION_REQUIRED']);
    expect(early.body.detail).toMatch(/must run in "staging" until .*soak 600s/);

    srv.clock.advance((SOAK + 1) * 1000);
    const done = await applied(release.id);
    expect(done).toMatchObject({ state: 'succeeded', promotedFrom: source });
  });

  it('refuses a promotion whose source is no longer what runs upstream, and a spec edited after promotion', async () => {
    const older = await deployStaging('2.0');
    const promoted = (await srv.api(dana, 'POST', `/api/v1/releases/${older}/promote`, { environment: 'production' })).body;
    const edit = await srv.api(dana, 'PATCH', `/api/v1/releases/${promoted.id}`, { spec: { compose: SPEC } });
    expect([edit.status, edit.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    await deployStaging('2.1');
    srv.clock.advance((SOAK + 1) * 1000);
    const res = await srv.api(dana, 'POST', `/api/v1/releases/${promoted.id}/apply`, { previewToken: await previewed(promoted.id) });
    expect([res.status, res.body.code]).toEqual([409, 'PROMOTION_REQUIRED']);
    expect(res.body.detail).toContain('no longer the current release');
  });

  it('refuses promotions that cannot be made, with a clear problem', async () => {
    const source = await deployStaging('3.0');
    const cases: Array<[unknown, number, string]> = [
      [{ environment: 'staging' }, 400, 'VALIDATION_FAILED'],
      [{ environment: 'nowhere' }, 404, 'NOT_FOUND'],
      [{ environment: 'production', extra: 1 }, 400, 'VALIDATION_FAILED'],
      [{}, 400, 'VALIDATION_FAILED'],
      [{ environment: 'production', parameters: { 'bad name': 'x' } }, 400, 'VALIDATION_FAILED'],
      [{ environment: '../production' }, 404, 'NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await srv.api(dana, 'POST', `/api/v1/releases/${source}/promote`, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const draft = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'staging',
      spec: { compose: SPEC },
      parameters: { TAG: '3.1', DB_PASSWORD: 'y-stg-pw-5678' },
    });
    const notRun = await srv.api(dana, 'POST', `/api/v1/releases/${draft.body.id}/promote`, { environment: 'production' });
    expect([notRun.status, notRun.body.code]).toEqual([409, 'INVALID_STATE']);
  });

  it('needs read on the source and write on the target; secrets stay upstream for a caller who may not write there', async () => {
    const source = await deployStaging('4.0');
    const viewer = await srv.tokenFor('vic', 'viewer');
    const prodOnly = await srv.tokenFor('pat', 'deployer', ['production']);
    const res1 = await srv.api(viewer, 'POST', `/api/v1/releases/${source}/promote`, { environment: 'production' });
    expect([res1.status, res1.body.code]).toEqual([403, 'FORBIDDEN']);
    const res2 = await srv.api(prodOnly, 'POST', `/api/v1/releases/${source}/promote`, { environment: 'production' });
    expect([res2.status, res2.body.code]).toEqual([403, 'FORBIDDEN']);

    const reader = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
      subject: 'ria',
      bindings: [
        { role: 'viewer', environments: ['staging'] },
        { role: 'deployer', environments: ['production'] },
      ],
    });
    const ria = reader.body.token as string;
    const missing = await srv.api(ria, 'POST', `/api/v1/releases/${source}/promote`, { environment: 'production' });
    expect([missing.status, missing.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(missing.body.detail).toContain('DB_PASSWORD');
    const given = await srv.api(ria, 'POST', `/api/v1/releases/${source}/promote`, {
      environment: 'production',
      parameters: { DB_PASSWORD: 'prod-only-pw-999' },
    });
    expect(given.status, JSON.stringify(given.body)).toBe(201);
    const stored = await srv.store.releases.get(given.body.id);
    expect(stored?.renderedSpec).toContain('prod-only-pw-999');
    expect(stored?.renderedSpec).not.toContain('s3cret-stg-pw');
  });
});
