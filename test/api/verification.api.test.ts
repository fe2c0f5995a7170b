import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/test-server.js';

// Verification after rollout, through the API on both stores: the `verifying` stage with its deadline, a crash after
// the rollout failing the release with VERIFICATION_FAILED, an HTTP probe, and the automatic rollback that goes
// through preview and — unless the environment lets rollbacks skip it — the approval queue.

const compose = (image: string) => `services:\n  web:\n    image: ${image}\n`;
type Event = { type: string; actor: { type: string; id: string }; data: Record<string, any> };

describe.each(DIALECTS)('verification after rollout (%s)', (dialect) => {
  let srv: TestServer;
  let dana: string;
  let probe: Server;
  let probeStatus = 200;
  let probeUrl = '';

  beforeAll(async () => {
    probe = createServer((_req, res) => res.writeHead(probeStatus).end('ok'));
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/healthz`;
    srv = await startTestServer({ dialect });
    const verification = { windowSeconds: 1, maxRestarts: 0 };
    for (const env of [
      { name: 'watched', runtime: 'compose', target: { project: 'ver-w' }, verification },
      { name: 'probed', runtime: 'compose', target: { project: 'ver-p' }, verification: { ...verification, httpProbe: { url: probeUrl } } },
      {
        name: 'self-healing',
        runtime: 'compose',
        target: { project: 'ver-s' },
        approval: { required: true, rollbackWithoutApproval: true },
        verification: { ...verification, autoRollback: true },
      },
      {
        name: 'guarded',
        runtime: 'compose',
        target: { project: 'ver-g' },
        approval: { required: true },
        verification: { ...verification, autoRollback: true },
      },
    ]) {
      const res = await srv.api(ADMIN_TOKEN, 'POST', '/api/v1/environments', env);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    dana = await srv.tokenFor('dana', 'deployer');
  });

  afterAll(async () => {
    await srv?.close();
    await new Promise((resolve) => probe?.close(resolve));
  });

  const get = async (id: string) => (await srv.api(dana, 'GET', `/api/v1/releases/${id}`)).body;
  const timeline = async (id: string): Promise<Event[]> => (await srv.api(dana, 'GET', `/api/v1/releases/${id}/timeline`)).body.items;
  const settled = (id: string) =>
    eventually(async () => {
      const r = await get(id);
      return ['succeeded', 'failed', 'interrupted'].includes(r.state) ? r : null;
    });

  /** Drafts, previews and applies a release (approving it first where needed); resolves with the release id. */
  async function deploy(environment: string, image: string): Promise<string> {
    const rel = await srv.api(dana, 'POST', '/api/v1/releases', { application: 'web', environment, spec: { compose: compose(image) } });
    expect(rel.status, JSON.stringify(rel.body)).toBe(201);
    const id = rel.body.id as string;
    const token = (await srv.api(dana, 'POST', `/api/v1/releases/${id}/preview`)).body.preview.token as string;
    if (rel.body.approval.status !== 'not_required') {
      const submitted = await srv.api(dana, 'POST', `/api/v1/releases/${id}/submit`, { previewToken: token });
      expect(submitted.status).toBe(200);
      const decision = { decision: 'approve', comment: 'ok' };
      const approved = await srv.api(ADMIN_TOKEN, 'POST', `/api/v1/approvals/${submitted.body.approval.ticketId}/decision`, decision);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    }
    const applied = await srv.api(dana, 'POST', `/api/v1/releases/${id}/apply`, { previewToken: token });
    expect(applied.status, JSON.stringify(applied.body)).toBe(202);
    return id;
  }

  it('shows the verifying stage with its deadline, then succeeds after the window', async () => {
    const id = await deploy('watched', 'web:1');
    const verifying = await eventually(async () => {
      const r = await get(id);
      return r.execution.stage === 'verifying' ? r : null;
    });
    const left = Date.parse(verifying.execution.verifyUntil) - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(1_000);
    const done = await settled(id);
    expect(done.state).toBe('succeeded');
    expect(done.execution.message).toMatch(/healthy for the whole 1s verification window/);
    const types = (await timeline(id)).map((e) => e.type);
    expect(types.indexOf('verification.started')).toBeGreaterThan(types.indexOf('execution.started'));
    expect(types.indexOf('verification.passed')).toBeGreaterThan(types.indexOf('verification.started'));
    expect(types.indexOf('execution.succeeded')).toBeGreaterThan(types.indexOf('verification.passed'));
  });

  it('fails a release whose workload crashes after the rollout, with a VERIFICATION_FAILED finding', async () => {
    await settled(await deploy('watched', 'web:2'));
    const id = await deploy('watched', 'web:flaky');
    const done = await settled(id);
    expect(done.state).toBe('failed');
    const events = await timeline(id);
    expect(events.find((e) => e.type === 'verification.failed')?.data).toMatchObject({ code: 'VERIFICATION_FAILED' });
    const diagnostics = (await srv.api(dana, 'GET', `/api/v1/releases/${id}/diagnostics`)).body;
    expect(diagnostics.findings[0]).toMatchObject({ code: 'VERIFICATION_FAILED', severity: 'error' });
    // Without autoRollback, nothing else happens.
    expect(events.some((e) => e.type === 'rollback.requested')).toBe(false);
  });

  it('fails on a probe that stops answering the expected status, and passes on one that does', async () => {
    probeStatus = 503;
    const bad = await settled(await deploy('probed', 'web:3'));
    expect(bad.state).toBe('failed');
    const diagnostics = (await srv.api(dana, 'GET', `/api/v1/releases/${bad.id}/diagnostics`)).body;
    expect(diagnostics.findings[0]).toMatchObject({ code: 'VERIFICATION_FAILED', resource: { kind: 'HttpProbe' } });
    expect(diagnostics.findings[0].message).toContain('answered 503, not 200');
    probeStatus = 200;
    expect((await settled(await deploy('probed', 'web:4'))).state).toBe('succeeded');
  });

  it('rolls back automatically, without the queue where the environment allows it', async () => {
    const good = await deploy('self-healing', 'web:5');
    expect((await settled(good)).state).toBe('succeeded');
    const bad = await deploy('self-healing', 'web:flaky');
    expect((await settled(bad)).state).toBe('failed');
    const rolledBack = await eventually(async () => ((await get(bad)).state === 'rolled_back' ? true : null));
    expect(rolledBack).toBe(true);
    const requested = (await timeline(bad)).find((e) => e.type === 'rollback.requested')!;
    expect(requested.actor).toEqual({ type: 'system', id: 'verifier' });
    expect(requested.data).toMatchObject({ automatic: true, rollbackTo: good });
    const rollback = await get(requested.data.rollbackReleaseId);
    expect(rollback).toMatchObject({ kind: 'rollback', state: 'succeeded', rollbackTo: good, createdBy: 'verifier' });
    expect(rollback.approval.status).toBe('not_required');
    const types = (await timeline(rollback.id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['preview.created', 'apply.requested', 'execution.succeeded']));
  });

  it('puts the automatic rollback in the approval queue where rollbacks need approval', async () => {
    const good = await deploy('guarded', 'web:6');
    expect((await settled(good)).state).toBe('succeeded');
    const bad = await deploy('guarded', 'web:flaky');
    expect((await settled(bad)).state).toBe('failed');
    const requested = await eventually(async () => (await timeline(bad)).find((e) => e.type === 'rollback.requested') ?? null);
    const rollback = await eventually(async () => {
      const r = await get(requested.data.rollbackReleaseId);
      return r.state === 'pending_approval' ? r : null;
    });
    expect(rollback.approval.status).toBe('pending');
    const queue = (await srv.api(ADMIN_TOKEN, 'GET', '/api/v1/approvals?status=pending')).body.items as Array<{ releaseId: string }>;
    // The rollback waits in the queue; nothing applied it.
    expect(queue.some((t) => t.releaseId === rollback.id)).toBe(true);
    expect((await get(bad)).state).toBe('failed');
  });
});
