import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/test-server.js';
import { DIALECTS } from '../support/dialects.js';
import { releaseIn } from '../support/deploy.js';

const compose = (image: string, extra = '') => `services:\n  web:\n    image: ${image}\n${extra}`;

describe.each(DIALECTS)('release lifecycle over HTTP (%s)', (dialect) => {
  let srv: TestServer;
  let deployer: string;
  let deployer2: string;
  let approver: string;
  let approver2: string;
  let viewerStaging: string;

  beforeAll(async () => {
    srv = await startTestServer({ dialect });
    const envs = [
      { name: 'staging', runtime: 'compose', target: { project: 'shopstg' } },
      {
        name: 'production',
        runtime: 'compose',
        target: { project: 'shop' },
        production: true,
        approval: { required: true, minApprovers: 2 },
      },
      { name: 'single', runtime: 'compose', target: { project: 'single' }, approval: { required: true, minApprovers: 1 } },
    ];
    for (const env of envs) expect((await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env)).status).toBe(201);
    deployer = await srv.tokenFor('dana', 'deployer');
    deployer2 = await srv.tokenFor('dave', 'deployer');
    approver = await srv.tokenFor('alice', 'approver');
    approver2 = await srv.tokenFor('bob', 'approver');
    viewerStaging = await srv.tokenFor('vic', 'viewer', ['staging']);
  });

  afterAll(async () => {
    await srv?.close();
  });

  async function draft(environment: string, image = 'web:1.0', token = deployer, application = 'web') {
    const res = await srv.api(token, 'POST', '/api/v1/releases', {
      application,
      environment,
      spec: { compose: compose('web:${TAG}', '    environment:\n      DB_PASSWORD: s3cr3t-canary-value\n') },
      parameters: { TAG: image.split(':')[1]! },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function preview(id: string, token = deployer) {
    const res = await srv.api(token, 'POST', `/api/v1/releases/${id}/preview`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.preview;
  }

  const waitForState = (id: string, states: string[]) => releaseIn(srv, id, states);

  async function deployStaging(tag: string, application = 'web') {
    const rel = await draft('staging', `web:${tag}`, deployer, application);
    const p = await preview(rel.id);
    expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).status).toBe(202);
    return waitForState(rel.id, ['succeeded', 'failed', 'interrupted']);
  }

  it('returns the normalized release detail', async () => {
    const rel = await draft('staging');
    const res = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: rel.id,
      application: 'web',
      environment: 'staging',
      runtime: 'compose',
      kind: 'deploy',
      state: 'draft',
      approval: { status: 'not_required', ticketId: null },
      execution: { stage: 'not_started', attempt: 0 },
      preview: null,
      draftRevision: 1,
      channel: 'api',
      createdBy: 'dana',
    });
    expect(res.body.draftDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('previews with a diff whose secrets are masked, and applies to success', async () => {
    const rel = await draft('staging', 'web:2.0');
    const p = await preview(rel.id);
    expect(p.summary).toEqual({ create: 1, update: 0, delete: 0, unchanged: 0 });
    expect(p.token).toMatch(/^sgp_/);
    expect(JSON.stringify(p)).not.toContain('s3cr3t-canary-value');
    expect(p.changes[0].diff).toContain('********');
    const applied = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
    expect(applied.status).toBe(202);
    expect(applied.body.state).toBe('applying');
    const done = await waitForState(rel.id, ['succeeded', 'failed']);
    expect(done.state).toBe('succeeded');
    expect(done.execution).toMatchObject({ stage: 'completed', attempt: 1 });
    expect(done.execution.finishedAt).not.toBeNull();
  });

  describe('the preview gate', () => {
    it('PREVIEW_MISSING without a token', async () => {
      const rel = await draft('staging');
      await preview(rel.id);
      const res = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, {});
      expect(res.status).toBe(428);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_MISSING', status: 428 });
      expect(res.body.requestId).toBeTruthy();
    });

    it('PREVIEW_INVALID for a forged token', async () => {
      const rel = await draft('staging');
      await preview(rel.id);
      for (const token of ['nope', 'sgp_' + 'A'.repeat(43)]) {
        const res = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: token });
        expect(res.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_INVALID' });
      }
    });

    it('PREVIEW_EXPIRED after the environment TTL', async () => {
      const rel = await draft('staging');
      const p = await preview(rel.id);
      srv.clock.advance(901_000);
      try {
        const res = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
        expect(res.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_EXPIRED' });
      } finally {
        srv.clock.advance(-901_000);
      }
    });

    it('PREVIEW_MISMATCH for another release and for an earlier revision', async () => {
      const a = await draft('staging');
      const b = await draft('staging');
      const pa = await preview(a.id);
      await preview(b.id);
      const other = await srv.api(deployer, 'POST', `/api/v1/releases/${b.id}/apply`, { previewToken: pa.token });
      expect(other.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_MISMATCH' });
      const edited = await srv.api(deployer, 'PATCH', `/api/v1/releases/${a.id}`, { parameters: { TAG: '9.9' } });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ state: 'draft', draftRevision: 2 });
      await preview(a.id);
      const old = await srv.api(deployer, 'POST', `/api/v1/releases/${a.id}/apply`, { previewToken: pa.token });
      expect(old.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_MISMATCH' });
    });

    it('PREVIEW_CONSUMED when a token is used twice', async () => {
      const rel = await draft('staging');
      const p = await preview(rel.id);
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).status).toBe(202);
      const again = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect(again.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_CONSUMED' });
      await waitForState(rel.id, ['succeeded']);
    });

    it('PREVIEW_STALE when what runs changed after the preview', async () => {
      const rel = await draft('staging', 'web:3.0', deployer, 'stale-app');
      const p = await preview(rel.id);
      srv.driver.tamper('staging', 'stale-app');
      const res = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect(res.body).toMatchObject({ code: 'PREVIEW_REQUIRED', reason: 'PREVIEW_STALE' });
    });

    it('writes every rejected apply to the timeline', async () => {
      const rel = await draft('staging');
      await preview(rel.id);
      await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, {});
      await srv.api(viewerStaging, 'POST', `/api/v1/releases/${rel.id}/apply`, {});
      const tl = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      const rejected = tl.body.items.filter((e: any) => e.type === 'apply.rejected');
      expect(rejected.map((e: any) => [e.actor.id, e.data.code, e.data.reason])).toEqual([
        ['dana', 'PREVIEW_REQUIRED', 'PREVIEW_MISSING'],
        ['vic', 'FORBIDDEN', null],
      ]);
    });

    it('50 parallel applies with one token: exactly one 202', async () => {
      const rel = await draft('staging');
      const p = await preview(rel.id);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 202).every((s) => s === 428 || s === 409)).toBe(true);
      await waitForState(rel.id, ['succeeded']);
      expect(srv.driver.applyCalls.filter((id) => id === rel.id)).toHaveLength(1);
    });
  });

  describe('the approval gate', () => {
    it('a production release waits in the queue and nothing reaches the runtime', async () => {
      const rel = await draft('production', 'web:5.0');
      const p = await preview(rel.id);
      const submitted = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({ state: 'pending_approval', approval: { status: 'pending', minApprovers: 2 } });
      const ticketId = submitted.body.approval.ticketId;
      expect(ticketId).toBeTruthy();
      const queue = await srv.api(approver, 'GET', '/api/v1/approvals?status=pending');
      expect(queue.body.items.map((t: any) => t.id)).toContain(ticketId);
      const apply = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect(apply.status).toBe(409);
      expect(apply.body.code).toBe('APPROVAL_REQUIRED');
      await new Promise((r) => setTimeout(r, 300));
      expect(srv.driver.applyCalls).not.toContain(rel.id);
      expect((await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`)).body.state).toBe('pending_approval');
    });

    it('needs N distinct approvers, then applies', async () => {
      const rel = await draft('production', 'web:5.1');
      const p = await preview(rel.id);
      const { body } = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const ticketId = body.approval.ticketId;
      const first = await srv.api(approver, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve', comment: 'lgtm' });
      expect(first.status).toBe(200);
      expect(first.body.status).toBe('pending');
      const twice = await srv.api(approver, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' });
      expect(twice.status).toBe(409);
      expect(twice.body.code).toBe('ALREADY_DECIDED');
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).body.code).toBe(
        'APPROVAL_REQUIRED',
      );
      const second = await srv.api(approver2, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' });
      expect(second.body.status).toBe('approved');
      const detail = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`);
      expect(detail.body).toMatchObject({ state: 'approved', approval: { status: 'approved' } });
      expect(detail.body.approval.decisions.map((d: any) => d.approver).sort()).toEqual(['alice', 'bob']);
      const late = await srv.api(approver2, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'reject' });
      expect(late.body.code).toBe('ALREADY_DECIDED');
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).status).toBe(202);
      expect((await waitForState(rel.id, ['succeeded'])).state).toBe('succeeded');
    });

    it('forbids self-approval and records the denied decision', async () => {
      const selfApprover = await srv.tokenFor('sam', 'admin');
      const res = await srv.api(selfApprover, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'single',
        spec: { compose: compose('web:1') },
      });
      const p = await preview(res.body.id, selfApprover);
      const sub = await srv.api(selfApprover, 'POST', `/api/v1/releases/${res.body.id}/submit`, { previewToken: p.token });
      const denied = await srv.api(selfApprover, 'POST', `/api/v1/approvals/${sub.body.approval.ticketId}/decision`, {
        decision: 'approve',
      });
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('SELF_APPROVAL_FORBIDDEN');
      const tl = await srv.api(selfApprover, 'GET', `/api/v1/releases/${res.body.id}/timeline`);
      expect(tl.body.items.some((e: any) => e.type === 'approval.denied' && e.data.code === 'SELF_APPROVAL_FORBIDDEN')).toBe(true);
      const noPermission = await srv.api(deployer2, 'POST', `/api/v1/approvals/${sub.body.approval.ticketId}/decision`, {
        decision: 'approve',
      });
      expect(noPermission.status).toBe(403);
      expect(noPermission.body.code).toBe('FORBIDDEN');
    });

    it('a rejection closes the ticket and the release', async () => {
      const rel = await draft('single');
      const p = await preview(rel.id);
      const sub = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const rej = await srv.api(approver, 'POST', `/api/v1/approvals/${sub.body.approval.ticketId}/decision`, {
        decision: 'reject',
        comment: 'not now',
      });
      expect(rej.body.status).toBe('rejected');
      const detail = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`);
      expect(detail.body).toMatchObject({ state: 'rejected', approval: { status: 'rejected' } });
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token })).body.code).toBe(
        'APPROVAL_REQUIRED',
      );
    });

    it('an edit voids the approval: the new digest needs a new one', async () => {
      const rel = await draft('single');
      const p = await preview(rel.id);
      const sub = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const ticketId = sub.body.approval.ticketId;
      expect((await srv.api(approver, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' })).body.status).toBe(
        'approved',
      );
      const edited = await srv.api(deployer, 'PATCH', `/api/v1/releases/${rel.id}`, { parameters: { TAG: '6.6' } });
      expect(edited.body).toMatchObject({ state: 'draft', draftRevision: 2, approval: { status: 'pending', ticketId: null } });
      expect(edited.body.draftDigest).not.toBe(rel.draftDigest);
      const ticket = await srv.api(approver, 'GET', `/api/v1/approvals/${ticketId}`);
      expect(ticket.body.status).toBe('void');
      const p2 = await preview(rel.id);
      const apply = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p2.token });
      expect(apply.body.code).toBe('APPROVAL_REQUIRED');
      const tl = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      expect(tl.body.items.map((e: any) => e.type)).toContain('approval.voided');
    });

    it('an expired ticket cannot be approved', async () => {
      const rel = await draft('single');
      const p = await preview(rel.id);
      const sub = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      srv.clock.advance(86_401_000);
      try {
        const res = await srv.api(approver, 'POST', `/api/v1/approvals/${sub.body.approval.ticketId}/decision`, { decision: 'approve' });
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('ALREADY_DECIDED');
        const detail = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`);
        expect(detail.body).toMatchObject({ state: 'rejected', approval: { status: 'expired' } });
      } finally {
        srv.clock.advance(-86_401_000);
      }
    });

    it('20 parallel decisions are each counted once', async () => {
      const approvers = await Promise.all(Array.from({ length: 20 }, (_, i) => srv.tokenFor(`approver-${i}`, 'approver', ['crowd'])));
      await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'crowd',
        runtime: 'compose',
        target: { project: 'crowd' },
        approval: { required: true, minApprovers: 20 },
      });
      const crowdDeployer = await srv.tokenFor('cara', 'deployer', ['crowd']);
      const rel = await draft('crowd', 'web:1.0', crowdDeployer);
      const p = await preview(rel.id, crowdDeployer);
      const sub = await srv.api(crowdDeployer, 'POST', `/api/v1/releases/${rel.id}/submit`, { previewToken: p.token });
      const ticketId = sub.body.approval.ticketId;
      const results = await Promise.all(
        approvers.map((t) => srv.api(t, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const ticket = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/approvals/${ticketId}`);
      expect(ticket.body.decisions).toHaveLength(20);
      expect(ticket.body.status).toBe('approved');
      const same = await Promise.all(
        Array.from({ length: 20 }, () => srv.api(approvers[0]!, 'POST', `/api/v1/approvals/${ticketId}/decision`, { decision: 'approve' })),
      );
      expect(same.every((r) => r.status === 409)).toBe(true);
    });

    it('refuses apply inside a freeze window unless an admin overrides with a reason', async () => {
      const now = srv.clock.now();
      await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', {
        name: 'frozen',
        runtime: 'compose',
        target: { project: 'frozen' },
        freezeWindows: [
          {
            start: new Date(now.getTime() - 60_000).toISOString(),
            end: new Date(now.getTime() + 3_600_000).toISOString(),
            reason: 'holiday',
          },
        ],
      });
      const frozenDeployer = await srv.tokenFor('fred', 'deployer', ['frozen']);
      const rel = await draft('frozen', 'web:1.0', frozenDeployer);
      const p = await preview(rel.id, frozenDeployer);
      const res = await srv.api(frozenDeployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('FROZEN');
      const notAdmin = await srv.api(frozenDeployer, 'POST', `/api/v1/releases/${rel.id}/apply`, {
        previewToken: p.token,
        freezeOverride: { reason: 'me' },
      });
      expect(notAdmin.body.code).toBe('FORBIDDEN');
      const override = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/releases/${rel.id}/apply`, {
        previewToken: p.token,
        freezeOverride: { reason: 'hotfix INC-42' },
      });
      expect(override.status).toBe(202);
      const tl = await srv.api(ADMIN_TOKEN, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      const requested = tl.body.items.find((e: any) => e.type === 'apply.requested');
      expect(requested.data.freezeOverride.reason).toBe('hotfix INC-42');
      await waitForState(rel.id, ['succeeded']);
    });
  });

  describe('timeline, diagnostics and access', () => {
    it('orders the timeline with actors, channels and release metadata, paginated', async () => {
      const rel = await draft('single');
      const p = await preview(rel.id);
      const sub = await srv.api(
        deployer,
        'POST',
        `/api/v1/releases/${rel.id}/submit`,
        { previewToken: p.token },
        { 'x-shipgate-channel': 'ui' },
      );
      await srv.api(approver, 'POST', `/api/v1/approvals/${sub.body.approval.ticketId}/decision`, { decision: 'approve' });
      await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/apply`, { previewToken: p.token });
      await waitForState(rel.id, ['succeeded']);
      const tl = await srv.api(viewerStaging, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      expect(tl.status).toBe(403);
      const full = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      const items = full.body.items;
      expect(items.map((e: any) => e.type)).toEqual([
        'release.created',
        'preview.created',
        'release.state_changed',
        'release.submitted',
        'approval.requested',
        'release.state_changed',
        'approval.approved',
        'release.state_changed',
        'apply.requested',
        'release.state_changed',
        'execution.stage_changed',
        'execution.started',
        'execution.stage_changed',
        'execution.stage_changed',
        'execution.stage_changed',
        'execution.stage_changed',
        'execution.succeeded',
        'release.state_changed',
      ]);
      const seqs = items.map((e: any) => e.seq);
      expect([...seqs].sort((a: number, b: number) => a - b)).toEqual(seqs);
      expect(items[0]).toMatchObject({
        actor: { type: 'user', id: 'dana' },
        channel: 'api',
        release: { application: 'web', environment: 'single', runtime: 'compose', kind: 'deploy' },
      });
      expect(items[3]).toMatchObject({ type: 'release.submitted', channel: 'ui' });
      expect(items[6]).toMatchObject({ actor: { type: 'user', id: 'alice' } });
      expect(items.at(-1)).toMatchObject({ actor: { type: 'system' }, data: { from: 'applying', to: 'succeeded' } });
      for (const e of items) expect(Date.parse(e.at)).not.toBeNaN();
      const page1 = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline?limit=5`);
      expect(page1.body.items).toHaveLength(5);
      const page2 = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline?limit=5&after=${page1.body.nextCursor}`);
      expect(page2.body.items[0].seq).toBe(items[5].seq);
    });

    it('records diagnostics of a failed release with secrets masked, and hides them without read access', async () => {
      const rel = await deployStaging('fail', 'broken');
      expect(rel.state).toBe('failed');
      expect(rel.execution.stage).toBe('failed');
      const diag = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/diagnostics`);
      expect(diag.status).toBe(200);
      expect(diag.body).toMatchObject({ releaseId: rel.id, runtime: 'compose', state: 'failed' });
      expect(diag.body.findings[0]).toMatchObject({
        severity: 'error',
        code: 'CONTAINER_EXITED',
        resource: { kind: 'Service', name: 'web' },
      });
      expect(JSON.stringify(diag.body)).not.toContain('s3cr3t-canary-value');
      expect(JSON.stringify(diag.body)).toContain('********');
      const outsider = await srv.tokenFor('olga', 'viewer', ['single']);
      const denied = await srv.api(outsider, 'GET', `/api/v1/releases/${rel.id}/diagnostics`);
      expect(denied.status).toBe(403);
      expect(denied.body.code).toBe('FORBIDDEN');
      const text = JSON.stringify(denied.body);
      for (const leak of ['CONTAINER_EXITED', 'broken', rel.id, 'findings', 'exited']) expect(text).not.toContain(leak);
      const tl = await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}/timeline`);
      expect(tl.body.items.map((e: any) => e.type)).toContain('diagnostics.recorded');
      expect(JSON.stringify(tl.body)).not.toContain('s3cr3t-canary-value');
      expect(srv.logs.join('\n')).not.toContain('s3cr3t-canary-value');
    });

    it('lists only releases and tickets of readable environments', async () => {
      const list = await srv.api(viewerStaging, 'GET', '/api/v1/releases?limit=200');
      expect(list.status).toBe(200);
      expect(list.body.items.length).toBeGreaterThan(0);
      expect(list.body.items.every((r: any) => r.environment === 'staging')).toBe(true);
      const queue = await srv.api(viewerStaging, 'GET', '/api/v1/approvals');
      expect(queue.body.items.every((t: any) => t.environment === 'staging')).toBe(true);
      const envs = await srv.api(viewerStaging, 'GET', '/api/v1/environments');
      expect(envs.body.items.map((e: any) => e.name)).toEqual(['staging']);
      const me = await srv.api(viewerStaging, 'GET', '/api/v1/me');
      expect(me.body).toMatchObject({ subject: 'vic', permissions: { staging: ['deployment:read'] } });
      const write = await srv.api(viewerStaging, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        spec: { compose: compose('x:1') },
      });
      expect(write.status).toBe(403);
    });

    it('pages releases with a cursor', async () => {
      const first = await srv.api(deployer, 'GET', '/api/v1/releases?environment=staging&limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await srv.api(deployer, 'GET', `/api/v1/releases?environment=staging&limit=2&cursor=${first.body.nextCursor}`);
      expect(second.body.items).toHaveLength(2);
      expect(second.body.items[0].id < first.body.items[1].id).toBe(true);
      const failed = await srv.api(deployer, 'GET', '/api/v1/releases?state=failed');
      expect(failed.body.items.every((r: any) => r.state === 'failed')).toBe(true);
    });

    it('revoked and expired tokens are refused', async () => {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
        subject: 'temp',
        bindings: [{ role: 'viewer', environments: ['*'] }],
        expiresInSeconds: 60,
      });
      expect((await srv.api(res.body.token, 'GET', '/api/v1/me')).status).toBe(200);
      srv.clock.advance(61_000);
      try {
        expect((await srv.api(res.body.token, 'GET', '/api/v1/me')).body.code).toBe('UNAUTHENTICATED');
      } finally {
        srv.clock.advance(-61_000);
      }
      const other = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/tokens', {
        subject: 'temp2',
        bindings: [{ role: 'viewer', environments: ['*'] }],
      });
      // Used just before (so the process remembers it), refused at once after.
      expect((await srv.api(other.body.token, 'GET', '/api/v1/releases')).status).toBe(200);
      expect((await srv.api(ADMIN_TOKEN, 'DELETE', `/api/v1/tokens/${other.body.id}`)).status).toBe(204);
      const after = await srv.api(other.body.token, 'GET', '/api/v1/me');
      expect(after.status).toBe(401);
      expect(after.body.code).toBe('UNAUTHENTICATED');
      expect(
        (await srv.api(deployer, 'POST', '/api/v1/tokens', { subject: 'x', bindings: [{ role: 'admin', environments: ['*'] }] })).status,
      ).toBe(403);
    });
  });

  describe('rollback', () => {
    it('restores the last succeeded release through the same gates', async () => {
      const good = await deployStaging('7.0', 'shop');
      const bad = await deployStaging('fail', 'shop');
      expect([good.state, bad.state]).toEqual(['succeeded', 'failed']);
      const rb = await srv.api(deployer, 'POST', `/api/v1/releases/${bad.id}/rollback`, {});
      expect(rb.status).toBe(201);
      expect(rb.body).toMatchObject({
        kind: 'rollback',
        rollbackOf: bad.id,
        rollbackTo: good.id,
        state: 'draft',
        parameters: { TAG: '7.0' },
      });
      expect(rb.body.draftDigest).toBe(good.draftDigest);
      const noToken = await srv.api(deployer, 'POST', `/api/v1/releases/${rb.body.id}/apply`, {});
      expect(noToken.body.reason).toBe('PREVIEW_MISSING');
      const p = await preview(rb.body.id);
      expect(p.summary.update).toBe(1);
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${rb.body.id}/apply`, { previewToken: p.token })).status).toBe(202);
      expect((await waitForState(rb.body.id, ['succeeded'])).state).toBe('succeeded');
      const source = await waitForState(bad.id, ['rolled_back']);
      expect(source.state).toBe('rolled_back');
      const srcTl = await srv.api(deployer, 'GET', `/api/v1/releases/${bad.id}/timeline`);
      expect(srcTl.body.items.map((e: any) => e.type)).toEqual(expect.arrayContaining(['rollback.requested', 'rollback.completed']));
      const rbTl = await srv.api(deployer, 'GET', `/api/v1/releases/${rb.body.id}/timeline`);
      expect(rbTl.body.items.map((e: any) => e.type)).toEqual(expect.arrayContaining(['rollback.requested', 'rollback.completed']));
      const nothing = await srv.api(deployer, 'POST', `/api/v1/releases/${good.id}/rollback`, {});
      expect(nothing.status).toBe(404);
      const draftOnly = await draft('staging');
      expect((await srv.api(deployer, 'POST', `/api/v1/releases/${draftOnly.id}/rollback`, {})).body.code).toBe('INVALID_STATE');
    });
  });

  describe('the audit chain', () => {
    it('verifies intact, then finds a tampered row', async () => {
      const ok = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/verify');
      expect(ok.body.ok).toBe(true);
      expect(ok.body.checked).toBeGreaterThan(50);
      expect((await srv.api(deployer, 'GET', '/api/v1/audit/verify')).status).toBe(403);
      const db = (srv.store as any).db;
      const row = await db.selectFrom('timeline_events').select(['seq', 'data']).where('seq', '=', 17).executeTakeFirst();
      await db
        .updateTable('timeline_events')
        .set({ data: JSON.stringify({ forged: true }) })
        .where('seq', '=', 17)
        .execute();
      const broken = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/verify');
      expect(broken.body).toMatchObject({ ok: false, firstBrokenSeq: 17 });
      await db.updateTable('timeline_events').set({ data: row.data }).where('seq', '=', 17).execute();
      await db.deleteFrom('timeline_events').where('seq', '=', 23).execute();
      const missing = await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/audit/verify');
      expect(missing.body).toMatchObject({ ok: false, firstBrokenSeq: 23 });
    });
  });

  describe('bad input', () => {
    it('answers problem+json 4xx, never 500', async () => {
      const cases: Array<[string, string, unknown, number, string]> = [
        ['POST', '/api/v1/releases', '{"application": ', 400, 'VALIDATION_FAILED'],
        [
          'POST',
          '/api/v1/releases',
          { application: 'web', environment: 'staging', spec: { compose: 'a: 1' }, extra: 1 },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'POST',
          '/api/v1/releases',
          { application: 'Web App', environment: 'staging', spec: { compose: 'a: 1' } },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'POST',
          '/api/v1/releases',
          { application: 'web', environment: 'staging', spec: { compose: 'image: ${MISSING}' } },
          400,
          'VALIDATION_FAILED',
        ],
        ['POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: { compose: 'a: [1' } }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/v1/releases', { application: 'web', environment: 'staging', spec: { manifests: 'a: 1' } }, 400, 'VALIDATION_FAILED'],
        ['POST', '/api/v1/releases', { application: 'web', environment: 'nowhere', spec: { compose: 'a: 1' } }, 404, 'NOT_FOUND'],
        ['GET', '/api/v1/releases/not-a-uuid', undefined, 400, 'VALIDATION_FAILED'],
        ['GET', '/api/v1/releases/00000000-0000-7000-8000-000000000000', undefined, 404, 'NOT_FOUND'],
        ['GET', '/api/v1/releases?cursor=garbage', undefined, 400, 'VALIDATION_FAILED'],
        ['GET', '/api/v1/releases?limit=100000', undefined, 400, 'VALIDATION_FAILED'],
        ['GET', '/api/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
        ['GET', '/api/v1/releases?application=%00', undefined, 400, 'VALIDATION_FAILED'],
        ['GET', '/api/v1/releases/00000000-0000-7000-8000-000000000000/timeline?after=-1', undefined, 400, 'VALIDATION_FAILED'],
        [
          'POST',
          '/api/v1/releases',
          '{"application":"web","environment":"staging","spec":{"compose":"a: 1"},"description":"nul \\u0000 here"}',
          400,
          'VALIDATION_FAILED',
        ],
        ['POST', '/api/v1/releases', '{"__proto__":{"x":1},"application":"web"}', 400, 'VALIDATION_FAILED'],
        ['PATCH', '/api/v1/releases/00000000-0000-7000-8000-000000000000', {}, 400, 'VALIDATION_FAILED'],
        [
          'POST',
          '/api/v1/releases',
          JSON.stringify({ application: 'web', environment: 'staging', spec: { compose: 'x'.repeat(2_000_000) } }),
          413,
          'PAYLOAD_TOO_LARGE',
        ],
      ];
      for (const [method, path, body, status, code] of cases) {
        const res = await srv.api(deployer, method, path, body);
        expect(res.status, `${method} ${path}`).toBe(status);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.code, `${method} ${path}`).toBe(code);
        expect(res.body).toHaveProperty('type');
        expect(res.body).toHaveProperty('detail');
      }
      const unknownField = await srv.api(deployer, 'POST', '/api/v1/releases', {
        application: 'web',
        environment: 'staging',
        spec: { compose: 'a: 1' },
        extra: 1,
      });
      expect(unknownField.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/body/extra' })]));
      const noAuth = await srv.api(null, 'GET', '/api/v1/releases');
      expect(noAuth.status).toBe(401);
      expect(noAuth.body.code).toBe('UNAUTHENTICATED');
    });

    it('reports an unreachable runtime as RUNTIME_UNAVAILABLE and changes nothing', async () => {
      const rel = await draft('staging');
      srv.driver.unavailable = true;
      try {
        const res = await srv.api(deployer, 'POST', `/api/v1/releases/${rel.id}/preview`);
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('RUNTIME_UNAVAILABLE');
      } finally {
        srv.driver.unavailable = false;
      }
      expect((await srv.api(deployer, 'GET', `/api/v1/releases/${rel.id}`)).body.state).toBe('draft');
    });

    it('serves the OpenAPI document', async () => {
      const res = await srv.api(null, 'GET', '/api/v1/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      for (const path of ['/api/v1/releases', '/api/v1/releases/{id}/apply', '/api/v1/approvals/{id}/decision', '/api/v1/audit/verify']) {
        expect(Object.keys(res.body.paths)).toContain(path);
      }
    });
  });
});
