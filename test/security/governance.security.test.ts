import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually, startTestServer, type ApiResponse, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';
import { ScriptedDriver } from '../support/scripted-driver.js';
import { openSse, type SseEvent } from '../support/sse-reader.js';

// Governance that cannot be bypassed, through the public API on both stores: the runtime policy, one target per
// environment, four eyes over every author, refusals that reveal nothing, re-preview after approval, and secrets
// that never cross a boundary.

const CANARY = 'canary-gov-5d1e0c';
const URL_PASSWORD = 'urlpw-9f8e7d';
const RENAMED = 'renamed-canary-41b2';
const PEM_LINE_1 = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7canary';
const PEM_LINE_2 = 'AAAAB3NzaC1yc2EAAAADAQABAAABgQDcanaryline2xyz';
const compose = (extra = '', image = 'web:${TAG}') => `services:\n  web:\n    image: ${image}\n${extra}`;

describe.each(DIALECTS)('governance that cannot be bypassed (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string; // deployer everywhere
  let eve: string; // deployer and approver everywhere
  let alice: string; // approver
  let vic: string; // viewer of staging only
  let stan: string; // deployer of staging, viewer of production
  const seen: ApiResponse[] = [];
  const frames: SseEvent[] = [];

  async function call(token: string | null, method: string, path: string, body?: unknown) {
    const res = await srv.api(token, method, path, body);
    seen.push(res);
    return res;
  }

  async function draft(
    environment: string,
    spec = compose(),
    parameters: Record<string, string> = { TAG: '1' },
    token = dana,
    application = 'web',
  ) {
    const res = await call(token, 'POST', '/api/v1/releases', { application, environment, spec: { compose: spec }, parameters });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string };
  }

  async function preview(id: string, token = dana) {
    const res = await call(token, 'POST', `/api/v1/releases/${id}/preview`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.preview as { token: string; policy: { passed: boolean; violations: Array<{ ruleId: string }> } };
  }

  async function timelineTypes(id: string) {
    return (await call(ADMIN_TOKEN, 'GET', `/api/v1/releases/${id}/timeline?limit=500`)).body.items.map(
      (e: { type: string }) => e.type,
    ) as string[];
  }

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    const envs = [
      { name: 'staging', runtime: 'compose', target: { project: 'govstg' } },
      {
        name: 'production',
        runtime: 'compose',
        target: { project: 'govprod' },
        production: true,
        approval: { required: true, minApprovers: 1 },
      },
      { name: 'lab', runtime: 'compose', target: { project: 'gov-lab' }, policy: { profile: 'privileged' } },
    ];
    for (const env of envs) expect((await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    dana = await srv.tokenFor('dana', 'deployer');
    alice = await srv.tokenFor('alice', 'approver');
    vic = await srv.tokenFor('vic', 'viewer', ['staging']);
    const issue = async (subject: string, bindings: unknown[]) =>
      (await call(ADMIN_TOKEN, 'POST', '/api/v1/tokens', { subject, bindings })).body.token as string;
    eve = await issue('eve', [
      { role: 'deployer', environments: ['*'] },
      { role: 'approver', environments: ['*'] },
    ]);
    stan = await issue('stan', [
      { role: 'deployer', environments: ['staging'] },
      { role: 'viewer', environments: ['production'] },
    ]);
  });

  afterAll(async () => {
    await srv?.close();
  });

  describe('the runtime policy', () => {
    const hostile = [
      ['privileged', '    privileged: true\n'],
      ['engine-socket', '    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n'],
      ['host-path', '    volumes: ["/:/host"]\n'],
      ['host-namespaces', '    network_mode: host\n'],
      ['host-namespaces', '    pid: host\n'],
      ['added-capabilities', '    cap_add: [SYS_ADMIN]\n'],
      ['devices', '    devices: ["/dev/mem:/dev/mem"]\n'],
      ['unconfined-profiles', '    security_opt: ["seccomp=unconfined"]\n'],
    ] as const;

    it.each(hostile)('shows %s at preview and refuses submit and apply with POLICY_DENIED', async (ruleId, extra) => {
      const rel = await draft('staging', compose(extra));
      const p = await preview(rel.id);
      expect(p.policy.passed).toBe(false);
      expect(p.policy.violations.map((v) => v.ruleId)).toContain(ruleId);
      const submit = await call(dana, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      expect([submit.status, submit.body.code]).toEqual([422, 'POLICY_DENIED']);
      expect(submit.body.violations.map((v: { ruleId: string }) => v.ruleId)).toContain(ruleId);
      const apply = await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect([apply.status, apply.body.code]).toEqual([422, 'POLICY_DENIED']);
      expect(srv.driver.applyCalls).not.toContain(rel.id);
      expect((await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body.state).toBe('previewed');
    });

    it('lets only an admin override, with a recorded reason; a deployer override is FORBIDDEN', async () => {
      const rel = await draft('staging', compose('    privileged: true\n'));
      const p = await preview(rel.id);
      const byDeployer = await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, {
        previewToken: p.token,
        policyOverride: { reason: 'trust me' },
      });
      expect([byDeployer.status, byDeployer.body.code]).toEqual([403, 'FORBIDDEN']);
      for (const reason of ['', '   ']) {
        const blank = await call(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.id}/apply`, {
          previewToken: p.token,
          policyOverride: { reason },
        });
        expect(blank.status).toBeGreaterThanOrEqual(400);
        expect(blank.status).toBeLessThan(500);
      }
      const byAdmin = await call(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.id}/apply`, {
        previewToken: p.token,
        policyOverride: { reason: 'kernel debugging, ticket OPS-12' },
      });
      expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(202);
      const events = (await call(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.id}/timeline`)).body.items;
      const overridden = events.find((e: { type: string }) => e.type === 'policy.overridden');
      expect(overridden).toMatchObject({
        actor: { type: 'user', id: 'admin' },
        data: { reason: 'kernel debugging, ticket OPS-12', violations: [{ ruleId: 'privileged' }] },
      });
      await eventually(async () =>
        (await call(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.id}`)).body.state === 'succeeded' ? true : null,
      );
    });

    it('judges a preview under the policy it was made with: a changed policy makes it stale', async () => {
      const rel = await draft('staging', compose('    volumes: ["/srv/data:/data"]\n'));
      const p = await preview(rel.id);
      expect(p.policy.violations.map((v) => v.ruleId)).toEqual(['host-path']);
      expect((await call(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/staging', { policy: { allowHostPaths: ['/srv/data'] } })).status).toBe(
        200,
      );
      const stale = await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect([stale.status, stale.body.reason]).toEqual([428, 'PREVIEW_STALE']);
      const again = await preview(rel.id);
      expect(again.policy).toEqual({ passed: true, violations: [] });
      expect((await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: again.token })).status).toBe(202);
      for (const path of ['/srv/data/../../etc', '/srv//data', 'srv/data', '/srv/data/', './srv', '/srv/./data']) {
        const bad = await call(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/staging', { policy: { allowHostPaths: [path] } });
        expect([bad.status, bad.body.code], path).toEqual([400, 'VALIDATION_FAILED']);
      }
      const escape = await draft(
        'staging',
        compose('    volumes: ["/srv/data/../../etc:/x", "/srv/database:/y", "/srv/data/link/etc:/z"]\n'),
      );
      expect((await preview(escape.id)).policy.violations.map((v) => v.ruleId)).toEqual(['host-path', 'host-path', 'host-path']);
    });

    it('applies anything in an environment an admin made privileged', async () => {
      const rel = await draft('lab', compose('    privileged: true\n    network_mode: host\n'));
      const p = await preview(rel.id);
      expect(p.policy).toEqual({ passed: true, violations: [] });
      expect((await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).status).toBe(202);
    });
  });

  describe('targets belong to one environment', () => {
    it.each([
      ['the same project', { runtime: 'compose', target: { project: 'govstg' } }],
      ['a project that extends another by a dash', { runtime: 'compose', target: { project: 'govstg-web' } }],
      ['a project another extends by a dash', { runtime: 'compose', target: { project: 'gov' } }],
    ])('refuses %s with TARGET_IN_USE', async (_what, body) => {
      const res = await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'clash', ...body });
      expect([res.status, res.body.code]).toEqual([409, 'TARGET_IN_USE']);
      expect((await call(ADMIN_TOKEN, 'GET', '/api/v1/environments/clash')).status).toBe(404);
    });

    it("refuses a patch onto another environment's target, and shared namespaces in one context", async () => {
      const patch = await call(ADMIN_TOKEN, 'PATCH', '/api/v1/environments/lab', { target: { project: 'govprod' } });
      expect([patch.status, patch.body.code]).toEqual([409, 'TARGET_IN_USE']);
      expect((await call(ADMIN_TOKEN, 'GET', '/api/v1/environments/lab')).body.target).toEqual({ project: 'gov-lab' });
      expect(
        (await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'k1', runtime: 'kubernetes', target: { namespace: 'shop' } }))
          .status,
      ).toBe(201);
      const same = await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'k2',
        runtime: 'kubernetes',
        target: { namespace: 'shop' },
      });
      expect([same.status, same.body.code]).toEqual([409, 'TARGET_IN_USE']);
      expect(
        (
          await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
            name: 'k3',
            runtime: 'kubernetes',
            target: { namespace: 'shop', context: 'other-cluster' },
          })
        ).status,
      ).toBe(201);
      expect(
        (await call(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'k4', runtime: 'kubernetes', target: { namespace: 'govstg' } }))
          .status,
      ).toBe(201);
    });
  });

  describe('four eyes', () => {
    it('refuses everyone who made, changed or requested the release, for approve and reject alike', async () => {
      const rel = await draft('production');
      // eve edits dana's draft (any revision counts), then dana previews and submits.
      expect((await call(eve, 'PATCH', `/api/v1/releases/${rel.id}`, { parameters: { TAG: '2' } })).status).toBe(200);
      expect((await call(dana, 'PATCH', `/api/v1/releases/${rel.id}`, { description: 'tidy' })).status).toBe(200);
      const p = await preview(rel.id);
      const submitted = await call(dana, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const ticketId = submitted.body.approval.ticketId;
      for (const decision of ['approve', 'reject']) {
        const res = await call(eve, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision });
        expect([res.status, res.body.code], decision).toEqual([403, 'SELF_APPROVAL_FORBIDDEN']);
      }
      expect((await call(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.id}`)).body.state).toBe('pending_approval');
      expect((await call(alice, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' })).status).toBe(200);
    });

    it('keeps a requester who is not the author from approving, and an editor who edited before submission', async () => {
      const rel = await draft('production', compose(), { TAG: '1' }, dana);
      const p = await preview(rel.id, eve);
      const submitted = await call(eve, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const res = await call(eve, 'POST', `/api/v1/approvals/${submitted.body.approval.ticketId}/decision`, { decision: 'approve' });
      expect([res.status, res.body.code]).toEqual([403, 'SELF_APPROVAL_FORBIDDEN']);
    });

    it('will not let a rollback be edited into another spec', async () => {
      const first = await draft('staging');
      const p1 = await preview(first.id);
      await call(dana, 'POST', `/api/v1/releases/${first.id}/apply`, { previewToken: p1.token });
      await eventually(async () => ((await call(dana, 'GET', `/api/v1/releases/${first.id}`)).body.state === 'succeeded' ? true : null));
      const second = await draft('staging', compose(), { TAG: '2' });
      const p2 = await preview(second.id);
      await call(dana, 'POST', `/api/v1/releases/${second.id}/apply`, { previewToken: p2.token });
      await eventually(async () => ((await call(dana, 'GET', `/api/v1/releases/${second.id}`)).body.state === 'succeeded' ? true : null));
      const rollback = await call(dana, 'POST', `/api/v1/releases/${second.id}/rollback`, {});
      expect(rollback.status).toBe(201);
      for (const body of [
        { spec: { compose: compose('    privileged: true\n') } },
        { parameters: { TAG: '666' } },
        { spec: { compose: compose() }, description: 'x' },
      ]) {
        const res = await call(dana, 'PATCH', `/api/v1/releases/${rollback.body.id}`, body);
        expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
      }
      expect((await call(dana, 'PATCH', `/api/v1/releases/${rollback.body.id}`, { description: 'restore 1' })).status).toBe(200);
    });
  });

  describe('approved releases stay appliable', () => {
    it('re-previews in pending_approval and approved without touching the ticket or the state', async () => {
      const rel = await draft('production');
      const p = await preview(rel.id);
      const submitted = await call(dana, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const ticketId = submitted.body.approval.ticketId;
      const again = await preview(rel.id);
      expect((await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body).toMatchObject({
        state: 'pending_approval',
        approval: { ticketId, status: 'pending' },
      });
      await call(alice, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' });
      const fresh = await preview(rel.id);
      expect((await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body).toMatchObject({
        state: 'approved',
        approval: { ticketId, status: 'approved' },
      });
      expect(again.token).not.toBe(fresh.token);
      const applied = await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: fresh.token });
      expect(applied.status, JSON.stringify(applied.body)).toBe(202);
      const types = await timelineTypes(rel.id);
      expect(types.filter((t) => t === 'preview.created')).toHaveLength(3);
      expect(types.filter((t) => t === 'approval.voided')).toHaveLength(0);
    });
  });

  describe('access without oracles', () => {
    it(
      'answers a caller without read the same 403 for every release path, naming nothing of it, and writes nothing to its ' + 'timeline',
      async () => {
        const rel = await draft('production', compose(), { TAG: '1' }, dana, 'secret-app');
        const p = await preview(rel.id);
        await call(dana, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
        const ticketId = (await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body.approval.ticketId;
        const before = await timelineTypes(rel.id);
        const attempts: Array<[string, string, unknown?]> = [
          ['GET', `/api/v1/releases/${rel.id}`],
          ['GET', `/api/v1/releases/${rel.id}/timeline`],
          ['GET', `/api/v1/releases/${rel.id}/diagnostics`],
          ['GET', `/api/v1/releases/${rel.id}/stream`],
          ['PATCH', `/api/v1/releases/${rel.id}`, { description: 'x' }],
          ['POST', `/api/v1/releases/${rel.id}/preview`],
          ['POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token }],
          ['POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token }],
          ['POST', `/api/v1/releases/${rel.id}/apply`, {}],
          ['POST', `/api/v1/releases/${rel.id}/cancel`],
          ['POST', `/api/v1/releases/${rel.id}/rollback`, {}],
          ['GET', `/api/v1/approvals/${ticketId}`],
          ['POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' }],
          ['POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'reject', comment: 'x' }],
          ['GET', '/api/v1/environments/production'],
          ['POST', '/api/v1/releases', { application: 'web', environment: 'production', fromReleaseId: rel.id }],
          ['POST', '/api/v1/releases', { application: 'web', environment: 'staging', fromReleaseId: rel.id }],
        ];
        for (const [method, path, body] of attempts) {
          const res = await call(vic, method, path, body);
          expect([res.status, res.body.code], `${method} ${path}`).toEqual([403, 'FORBIDDEN']);
          const text = JSON.stringify(res.body);
          for (const leak of [rel.id, ticketId, 'production', 'secret-app', 'govprod'])
            expect(text, `${method} ${path}`).not.toContain(leak);
        }
        expect(await timelineTypes(rel.id)).toEqual(before);
        expect(srv.logs.some((l) => l.includes('"security":true') && l.includes('"subject":"vic"'))).toBe(true);
        // The security line names the request, as the problem body does (the use case logs it, after the body was read).
        for (const [path, body] of [
          [`/api/v1/releases/${rel.id}/apply`, { previewToken: p.token }],
          [`/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' }],
        ] as const) {
          const refusal = await call(vic, 'POST', path, body);
          const lines = srv.logs.map((l) => JSON.parse(l)).filter((l) => l.security === true && l.reqId === refusal.body.requestId);
          expect(lines, `a security line with the reqId of POST ${path}`).toHaveLength(1);
        }
        // Whether an environment exists is no oracle either.
        const missing = await call(vic, 'GET', '/api/v1/environments/no-such-env');
        const real = await call(vic, 'GET', '/api/v1/environments/production');
        expect([missing.status, missing.body.code, missing.body.detail]).toEqual([real.status, real.body.code, real.body.detail]);
      },
    );

    it('still records refusals on the timeline for callers who may read it', async () => {
      const rel = await draft('production');
      const res = await call(stan, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: 'x' });
      expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
      expect(res.body.detail).toContain('production');
      expect(await timelineTypes(rel.id)).toContain('apply.rejected');
    });
  });

  describe('secrets never cross a boundary', () => {
    it('masks secret parameters by name, by value, in URLs and across lines, in every response, event and log line', async () => {
      const spec = compose(`    environment:\n      DB_PASSWORD: \${PW}\n      DSN: \${DSN}\n      NOTE: "plain"\n`);
      const rel = await draft('staging', spec, {
        TAG: '1',
        PW: RENAMED,
        DSN: `postgres://app:${URL_PASSWORD}@db:5432/shop`,
        API_TOKEN: CANARY,
      });
      const shown = (await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body;
      expect(shown.parameters).toMatchObject({
        TAG: '1',
        PW: '********',
        API_TOKEN: '********',
        DSN: 'postgres://app:********@db:5432/shop',
      });
      const p = await preview(rel.id);
      const stream = await openSse(`${srv.url}/api/v1/releases/${rel.id}/stream`, { authorization: `Bearer ${dana}` });
      await call(dana, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      await eventually(async () => ((await call(dana, 'GET', `/api/v1/releases/${rel.id}`)).body.state === 'succeeded' ? true : null));
      frames.push(...(await stream.end(15_000)));
      expect(frames.some((f) => f.event === 'timeline')).toBe(true);
      await call(dana, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      await call(dana, 'GET', `/api/v1/releases/${rel.id}/diagnostics`);
      await call(dana, 'GET', '/api/v1/releases?environment=staging');
      // YAML errors never quote the rendered source.
      const broken = await call(dana, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        spec: { compose: `services:\n  web:\n    image: x\n    environment: {A: "${CANARY}\n` },
      });
      expect(broken.status).toBe(400);
    });

    it('carries no secret from another environment to a caller who may not write there', async () => {
      const prod = await draft('production', compose('    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n'), {
        TAG: '1',
        DB_PASSWORD: CANARY,
      });
      const res = await call(stan, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', fromReleaseId: prod.id });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.body.detail).toMatch(/unknown parameter "DB_PASSWORD"/);
      const given = await call(stan, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        fromReleaseId: prod.id,
        parameters: { DB_PASSWORD: 'staging-only' },
      });
      expect(given.status).toBe(201);
      const literal = await draft('production', compose(`    environment:\n      DB_PASSWORD: ${CANARY}\n`));
      const refused = await call(stan, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        fromReleaseId: literal.id,
      });
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
      // With write on the source, the whole release comes along.
      expect(
        (await call(dana, 'POST', '/api/v1/releases', { application: 'web', environment: 'staging', fromReleaseId: prod.id })).status,
      ).toBe(201);
    });

    it('masks a multi-line secret line by line (a Kubernetes Secret), wherever a line of it would show', async () => {
      const k8s = await startTestServer({ dialect, drivers: { kubernetes: new ScriptedDriver('kubernetes') } });
      try {
        await k8s.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', { name: 'kube', runtime: 'kubernetes', target: { namespace: 'gov' } });
        const manifests =
          `apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\nstringData:\n  key: |\n    -----BEGIN KEY-----\n    ` +
          `${PEM_LINE_1}\n    ${PEM_LINE_2}\n    -----END KEY-----\n`;
        const rel = await k8s.api(ADMIN_TOKEN, 'POST', '/api/v1/releases', {
          application: 'tls',
          environment: 'kube',
          spec: { manifests },
          description: `rotates ${PEM_LINE_1}`,
        });
        expect(rel.status, JSON.stringify(rel.body)).toBe(201);
        const p = await k8s.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.body.id}/preview`);
        seen.push(
          rel,
          p,
          await k8s.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}`),
          await k8s.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.body.id}/timeline`),
        );
        const text =
          JSON.stringify([rel.body, p.body]) +
          (await k8s.store.timeline.scan(0, 10_000)).map((e) => JSON.stringify(e)).join('') +
          k8s.logs.join('');
        for (const line of [PEM_LINE_1, PEM_LINE_2]) expect(text).not.toContain(line);
      } finally {
        await k8s.close();
      }
    });

    it(
      'never shows a canary in any response body, SSE frame, timeline event, webhook-ready payload or log line of this ' + 'suite',
      async () => {
        const timeline = await srv.store.timeline.scan(0, 100_000);
        const events = timeline.map((e) => JSON.stringify(e)).join('\n');
        const bodies = seen.map((r) => JSON.stringify(r.body)).join('\n');
        // What a notification would carry: each event with the release as the API shows it.
        const payloads: string[] = [];
        for (const event of timeline.slice(-40))
          payloads.push(
            JSON.stringify({ event, release: (await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${event.releaseId}`)).body }),
          );
        for (const canary of [CANARY, URL_PASSWORD, RENAMED, PEM_LINE_1]) {
          expect(bodies).not.toContain(canary);
          expect(JSON.stringify(frames)).not.toContain(canary);
          expect(events).not.toContain(canary);
          expect(payloads.join('\n')).not.toContain(canary);
          expect(srv.logs.join('\n')).not.toContain(canary);
        }
      },
    );
  });
});
