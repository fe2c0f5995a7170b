import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Custom policy rules (CEL) through the API on both stores: checked when the environment is saved, evaluated at
// preview on top of the built-in profile, enforced at submit and apply (deny) or shown (warn), overridable by an admin.

const NO_LATEST = {
  id: 'no-latest',
  severity: 'deny',
  message: 'images must be pinned, not :latest',
  expression: '!images.exists(i, i.endsWith(":latest"))',
};
const LIMITS = {
  id: 'memory-limits',
  severity: 'warn',
  message: 'every service should set mem_limit',
  expression: 'resources.all(r, r.kind != "Service" || has(r.spec.mem_limit))',
};
const compose = (image: string, extra = '') => `services:\n  web:\n    image: ${image}\n${extra}`;

describe.each(DIALECTS)('custom policy rules (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    const env = { name: 'production', runtime: 'compose', target: { project: 'rules' }, policy: { rules: [NO_LATEST, LIMITS] } };
    expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    dana = await srv.tokenFor('dana', 'deployer');
  });

  afterAll(async () => {
    await srv?.close();
  });

  async function previewed(image: string, extra = '') {
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      spec: { compose: compose(image, extra) },
    });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const p = await srv.api(dana, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    return { id: rel.body.id as string, preview: p.body.preview };
  }

  it('keeps the rules with the environment', async () => {
    const env = await srv.api(dana, 'GET', '/api/v1/environments/production');
    expect(env.body.policy).toEqual({ profile: 'baseline', allowHostPaths: [], rules: [NO_LATEST, LIMITS] });
  });

  it('denies a release that breaks a deny rule, and lets an admin override it with a recorded reason', async () => {
    const { id, preview } = await previewed('web:latest', '    mem_limit: 256m\n');
    expect(preview.policy).toEqual({
      passed: false,
      violations: [
        { ruleId: 'no-latest', severity: 'deny', message: NO_LATEST.message, resource: { kind: 'Release', name: 'web' }, path: '' },
      ],
    });
    const refused = await srv.api(dana, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: preview.token });
    expect([refused.status, refused.body.code, refused.body.violations[0].ruleId]).toEqual([422, 'POLICY_DENIED', 'no-latest']);
    const overridden = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${id}/apply`, {
      previewToken: preview.token,
      policyOverride: { reason: 'hotfix INC-7' },
    });
    expect(overridden.status).toBe(202);
    // Settled before the next test previews: a rollout still under way would change what runs under its preview.
    await eventually(async () => ((await srv.api(dana, 'GET', `/api/v1/releases/${id}`)).body.state === 'succeeded' ? true : null));
    const events = (await srv.api(dana, 'GET', `/api/v1/releases/${id}/timeline`)).body.items;
    expect(events.find((e: { type: string }) => e.type === 'policy.overridden').data).toMatchObject({
      reason: 'hotfix INC-7',
      violations: [{ ruleId: 'no-latest' }],
    });
  });

  it('shows a warn rule without refusing the release', async () => {
    const { id, preview } = await previewed('web:1.4');
    expect(preview.policy).toMatchObject({ passed: true, violations: [{ ruleId: 'memory-limits', severity: 'warn' }] });
    expect((await srv.api(dana, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: preview.token })).status).toBe(202);
  });

  it('still applies the environment rules when the profile is privileged', async () => {
    expect((await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { profile: 'privileged' } })).status).toBe(
      200,
    );
    const { preview } = await previewed('web:latest', '    privileged: true\n    mem_limit: 1g\n');
    expect(preview.policy.violations.map((v: { ruleId: string }) => v.ruleId)).toEqual(['no-latest']);
    expect((await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { profile: 'baseline' } })).status).toBe(200);
  });

  it('sees parameters as the API shows them: a rule cannot read a secret', async () => {
    const peek = {
      id: 'peek',
      severity: 'deny',
      message: 'peeked',
      expression: '!has(release.parameters.DB_PASSWORD) || release.parameters.DB_PASSWORD != "hunter2-rules"',
    };
    expect((await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { rules: [peek] } })).status).toBe(200);
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', {
      application: 'web',
      environment: 'production',
      spec: { compose: compose('web:1', '    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n') },
      parameters: { DB_PASSWORD: 'hunter2-rules' },
    });
    const p = await srv.api(dana, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
    expect(p.body.preview.policy).toEqual({ passed: true, violations: [] });
    expect(
      (await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { rules: [NO_LATEST, LIMITS] } })).status,
    ).toBe(200);
  });

  it.each([
    ['a syntax error', { ...NO_LATEST, expression: 'images.exists(i,' }],
    ['an unknown variable', { ...NO_LATEST, expression: 'request.user == "root"' }],
    ['a value that is not a boolean', { ...NO_LATEST, expression: 'size(images)' }],
    ['a type error', { ...NO_LATEST, expression: 'release.application + 1 == "x"' }],
  ])('refuses %s when the environment is saved, and keeps the rules it had', async (_what, rule) => {
    const res = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { rules: [LIMITS, rule] } });
    expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['/policy/rules/1/expression']);
    expect((await srv.api(dana, 'GET', '/api/v1/environments/production')).body.policy.rules).toEqual([NO_LATEST, LIMITS]);
  });

  it('refuses duplicate rule ids and malformed rules by schema', async () => {
    const dup = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { rules: [NO_LATEST, NO_LATEST] } });
    expect([dup.status, dup.body.errors[0].path]).toEqual([400, '/policy/rules/1/id']);
    for (const bad of [
      { ...NO_LATEST, severity: 'fatal' },
      { ...NO_LATEST, id: 'Not An Id' },
      { ...NO_LATEST, expression: '' },
      { ...NO_LATEST, extra: 1 },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/production', { policy: { rules: [bad] } });
      expect([res.status, res.body.code], JSON.stringify(bad)).toEqual([400, 'VALIDATION_FAILED']);
    }
  });
});
